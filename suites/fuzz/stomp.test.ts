import { createHash } from 'node:crypto';
import type fc from 'fast-check';
import { describe, inject } from 'vitest';
import type { CaseContext, CaseMeta } from '../../src/case.ts';
import { fuzzCase } from '../../src/fuzz/cases.ts';
import {
  badContentLength,
  bodies,
  eolShapes,
  errorThenCloseProperty,
  escapes,
  malformed,
  NoInputs,
  oversize,
  repeats,
  roundTripProperty,
  splits,
  undefinedEscapes,
  type IllegalFrame,
  type LegalSend,
} from '../../src/fuzz/stomp-wire.ts';

/**
 * Fuzzing the target's STOMP frame parsing: generated frames, shrunk to a minimal counterexample on failure, with a
 * one-line replay command. Ids `X-n.Fk`: the k-th fuzz case of clause X-n; `X-n.Rk`: a saved counterexample of it.
 */
/**
 * A destination of this case alone, short so that counterexamples stay short, and derived from the seed and the case
 * id: a replay (same seed, `--fuzz-path`) sends the same bytes.
 */
const destination = (c: CaseContext) =>
  `${c.target.stomp.destinationPrefix}fz${createHash('sha256').update(`${inject('rtcOptions').seed}:${c.meta.id}`).digest('hex').slice(0, 6)}`;

function legalCase(meta: Omit<CaseMeta, 'timeoutMs'>, arbitrary: fc.Arbitrary<LegalSend>): void {
  fuzzCase(meta, (c) => roundTripProperty(c.target.stomp, destination(c), arbitrary));
}

function illegalCase(meta: Omit<CaseMeta, 'timeoutMs'>, arbitrary: (destination: string) => fc.Arbitrary<IllegalFrame>): void {
  fuzzCase(meta, (c) => {
    const d = destination(c);
    return errorThenCloseProperty(c.target.stomp, d, arbitrary(d));
  });
}

describe.concurrent('fuzz: legal frames of unusual shape round-trip', () => {
  legalCase(
    { id: 'S-3.F1', title: 'fuzz: LF or CRLF lines, heart-beat EOLs before the frame, frames split over WebSocket messages', expected: 'every such SEND comes back as a MESSAGE with its headers and body' },
    eolShapes,
  );
  legalCase(
    { id: 'S-4.F1', title: 'fuzz: bodies with NULs and multi-byte UTF-8, with and without content-length', expected: 'the MESSAGE body equals the SEND body octet for octet' },
    bodies,
  );
  legalCase(
    { id: 'S-5.F1', title: 'fuzz: header names and values with CR, LF, colon, backslash and multi-byte UTF-8 round-trip', expected: 'the MESSAGE headers decode to the values sent' },
    escapes,
  );
  legalCase(
    { id: 'S-6.F1', title: 'fuzz: of a repeated header, the first value arrives', expected: 'the MESSAGE carries the first value of each repeated header' },
    repeats,
  );
});

describe.concurrent('fuzz: frames the server cannot process are answered by ERROR then close, never a hang', () => {
  illegalCase(
    {
      id: 'S-9.F1',
      title: 'fuzz: unknown and server commands, header lines without colon, bare CRs, missing mandatory headers',
      expected: 'ERROR then close within the deadlines; a second session goes on working',
    },
    malformed,
  );
  illegalCase(
    { id: 'S-9.F2', title: 'fuzz: a content-length that is not a number, negative, or smaller than the body', expected: 'ERROR then close within the deadlines; a second session goes on working' },
    badContentLength,
  );
  illegalCase(
    { id: 'S-5.F2', title: 'fuzz: undefined escapes and lone trailing backslashes in SEND and SUBSCRIBE headers', expected: 'ERROR then close (a fatal error) within the deadlines; a second session goes on working' },
    undefinedEscapes,
  );
  fuzzCase(
    {
      id: 'S-11.F1',
      title: 'fuzz: more headers, longer header lines and larger bodies than the target declares',
      expected: 'ERROR then close within the deadlines; a second session goes on working',
    },
    (c) => {
      const { limits } = c.target.stomp;
      if (!limits.maxHeaders && !limits.maxHeaderLineBytes && !limits.maxBodyBytes) c.skip('the target declares no limits (target file: stomp.limits)');
      const d = destination(c);
      try {
        // Its inputs are as large as the declared limits: it runs alone (no other property's target looks hung meanwhile).
        return errorThenCloseProperty(c.target.stomp, d, oversize(d, limits), true);
      } catch (err) {
        if (err instanceof NoInputs) return c.skip(err.message);
        throw err;
      }
    },
  );
});

describe.concurrent('fuzz: WebSocket framing (recorded)', () => {
  fuzzCase(
    {
      id: 'S-12.F1',
      title: 'fuzz: legal SENDs split over 2 to 4 WebSocket messages are reassembled',
      expected: 'every split SEND comes back as one MESSAGE with its headers and body (under the declared framing "stream")',
    },
    (c) => {
      if (c.target.stomp.framing === 'frame-per-message') c.skip('the target declares stomp.framing "frame-per-message": frames split over messages are not asked of it');
      return roundTripProperty(c.target.stomp, destination(c), splits);
    },
  );
});
