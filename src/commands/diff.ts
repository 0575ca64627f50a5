import { DIFF_FORMATS, renderDiff, type DiffFormat } from '../report/diff-render.ts';
import { DEFAULT_TOLERANCES, DiffInputError, diffExitCode, diffRuns, loadRun, parseTolerance } from '../report/diff.ts';
import { UsageError, type Command } from './command.ts';

const FAIL_ON = ['verdicts', 'observations'] as const;

/** Builds the tolerances of `--tolerance kind=…` (repeatable); a bad one is a usage error. */
export function tolerancesOf(specs: readonly string[] = []) {
  const t = structuredClone(DEFAULT_TOLERANCES);
  try {
    for (const s of specs) parseTolerance(s, t);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return t;
}

/** `rtc-conformance diff BASE CANDIDATE`: what changed between two runs (report folders or summary.json files). */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two runs (report folders or summary.json, merged shards too): verdict changes, observation changes, cases added or removed',
  positionals: 'BASE CANDIDATE',
  options: {
    format: { type: 'string', default: 'text', value: 'F', help: `output format: ${DIFF_FORMATS.join(', ')} (markdown fits a pull-request comment)` },
    tolerance: {
      type: 'string',
      multiple: true,
      default: [],
      value: 'KIND=V',
      help: 'tolerance of numeric observations: timing=20%,50ms (the default: ±20 % or ±50 ms, whichever is larger), count=1; codes and text are exact',
    },
    'fail-on': { type: 'string', default: 'verdicts', value: 'WHAT', help: 'what makes the exit code 1: verdicts (a regression, the default) or observations (any change too)' },
    'no-transcripts': { type: 'boolean', default: false, help: 'leave out the frames that differ' },
  },
  notes:
    'Regressions (passed/info/non-strict/skipped → failed/broken) come first, then other verdict changes, then fixes, then cases whose\n' +
    'observations alone changed. exit codes: 0 nothing regressed, 1 a regression (or, with --fail-on observations, any observation\n' +
    'change), 2 bad input (a missing file, not a summary.json).',
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError(`diff needs BASE and CANDIDATE (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'})`);
    const format = values.format as string;
    if (!(DIFF_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: "${format}" is not one of ${DIFF_FORMATS.join(', ')}`);
    const failOn = values['fail-on'] as string;
    if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not one of ${FAIL_ON.join(', ')}`);
    const tolerances = tolerancesOf(values.tolerance as string[]);
    let base, candidate;
    try {
      base = loadRun(positionals[0], 'BASE');
      candidate = loadRun(positionals[1], 'CANDIDATE');
    } catch (err) {
      if (err instanceof DiffInputError) {
        process.stderr.write(`rtc-conformance diff: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    const d = diffRuns(base, candidate, { tolerances, transcripts: !values['no-transcripts'] });
    process.stdout.write(renderDiff(d, format as DiffFormat));
    return diffExitCode(d, failOn as (typeof FAIL_ON)[number]);
  },
};
