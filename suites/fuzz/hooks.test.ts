import { describe } from 'vitest';
import { fuzzCase } from '../../src/fuzz/cases.ts';
import { hookAnswerProperty, mutatedHooks } from '../../src/fuzz/hooks-wire.ts';
import { HOOKS } from '../hooks/backend/flows.ts';

/**
 * Fuzzing the REST hook backend (backend role: the harness plays WCS) with mutated hook bodies. Ids `X-n.Fk`: the
 * k-th fuzz case of clause X-n; `X-n.Rk`: a saved counterexample of it.
 */
describe.concurrent('fuzz: mutated hook bodies get an answer, never a dropped connection', () => {
  fuzzCase(
    {
      id: 'H-2.F1',
      title: 'fuzz: hook bodies with fields deleted or retyped, huge or multi-byte strings, extra keys, deep nesting, not JSON, not an object',
      // H-2 (MUST) speaks of documented hooks; how a backend refuses malformed ones is left open, hence SHOULD.
      level: 'SHOULD',
      requirement:
        'A backend answers every hook, even a malformed one: 200 with a JSON body (Content-Type: application/json), or a 4xx/5xx refusal (H-2, H-5), within rest_request_timeout (H-3), signed bodies as in H-6.',
      expected: 'within rest_request_timeout: 200 with Content-Type application/json and a body that parses, or 4xx/5xx (a 5xx with a non-empty body); never a dropped connection or a timeout',
    },
    (c) => hookAnswerProperty(c.target.hooks.backend, mutatedHooks(HOOKS)),
  );
});
