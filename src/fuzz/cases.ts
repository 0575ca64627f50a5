import { inject } from 'vitest';
import { conformanceCase, type CaseContext, type CaseMeta } from '../case.ts';
import { fuzzSettings, runFuzz, runSaved, savedCounterexamples, type FuzzProperty } from './property.ts';

/**
 * Declares a fuzz case (`X-n.Fk`: generated inputs, shrinking, replay) and one regression case (`X-n.Rk`) for each of
 * its counterexamples saved under fixtures/fuzz/. `property` builds the property for the case's target.
 */
export function fuzzCase<T>(meta: Omit<CaseMeta, 'timeoutMs'>, property: (c: CaseContext) => FuzzProperty<T>): void {
  const options = inject('rtcOptions');
  const fuzz = fuzzSettings(options);
  // Generation and shrinking are bounded by --fuzz-time; the replay of the shrunk input comes on top.
  conformanceCase({ ...meta, timeoutMs: fuzz.timeMs * 2 + 30_000 }, (c) => runFuzz(c, options.seed, fuzz, property(c)));
  for (const saved of savedCounterexamples<T>(meta.id)) {
    conformanceCase(
      { ...meta, id: saved.regressionId, title: `regression: the saved counterexample fixtures/fuzz/${saved.file}`, expected: meta.expected },
      (c) => runSaved(c, saved, property(c)),
    );
  }
}
