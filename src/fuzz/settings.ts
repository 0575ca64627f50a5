/**
 * The fuzz suite's settings: a module of their own, so that the CLI reads the defaults without loading fast-check or
 * the cases' runtime (src/fuzz/property.ts).
 */
export interface FuzzSettings {
  /** Generated inputs per property (`--fuzz-runs`). */
  runs: number;
  /** Time budget of one property, shrinking included (`--fuzz-time`). */
  timeMs: number;
  /** `--fuzz-path ID@PATH`: replay exactly one counterexample of one case. */
  replay?: { id: string; path: string };
  /** Where counterexamples of this run are written. */
  outDir?: string;
  /** The run's target and fault flags, for replay commands (e.g. `--stomp-url ws://…`). */
  targetArgs: string[];
}

export const DEFAULT_FUZZ: FuzzSettings = { runs: 100, timeMs: 60_000, targetArgs: [] };
