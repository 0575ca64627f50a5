import type { CaseRecord, Verdict } from '../case.ts';
import type { BaselineJudgement } from './baseline.ts';
import type { Observation } from './observations.ts';

export const VERDICTS: Verdict[] = ['passed', 'failed', 'non-strict', 'info', 'skipped', 'broken'];

/** One line of summary.json. */
export interface CaseResult {
  id: string;
  suite: string;
  clause: string;
  level: string;
  title: string;
  /** `real`: the case ran against the user's target; `reference`: against a bundled reference server. */
  target?: 'real' | 'reference';
  verdict: Verdict;
  /** An INFO case whose expectation did not hold. */
  deviation?: boolean;
  /** What an INFO case saw, in one line. */
  observation?: string;
  durationMs: number;
  message?: string;
  measurements?: Record<string, string>;
  /** Stable observations of the case (src/report/observations.ts), compared by `rtc-conformance diff`. */
  observations?: Observation[];
}

export interface RunSummary {
  tool: string;
  version: string;
  target: string;
  strict: boolean;
  seed?: number;
  /** `i/n` when the run was one shard of several. */
  shard?: string;
  startedAt: string;
  durationMs: number;
  /** The verdicts of the cases that ran against the target the run names (the reference servers when it names none). */
  totals: Record<Verdict, number>;
  byProtocol: Record<string, Record<Verdict, number>>;
  /** With --with-reference: the cases that ran against the reference servers instead, counted apart. */
  reference?: { totals: Record<Verdict, number>; byProtocol: Record<string, Record<Verdict, number>> };
  cases: CaseResult[];
  /** Why the run could not start or finish (a target error, an internal error): the exit code is then 2. */
  error?: string;
  /** The run was stopped by a signal before every case had run; `cases` holds exactly those that finished. */
  interrupted?: boolean;
  /** The arguments that name the target (no secrets), for rerun commands. */
  targetArgs?: string[];
  /** Where the run's time went: the end of each phase (start-up, collection, cases, reports, HTML), ms since the process started. */
  phases?: Partial<Record<'startupMs' | 'collectMs' | 'casesMs' | 'reportsMs' | 'htmlMs', number>>;
  /** Present when the run had a baseline (--baseline). */
  baseline?: BaselineJudgement;
}

/** Maps a vitest outcome to a verdict when the case itself could not record one (a timeout, a crash). */
export function verdictOf(record: CaseRecord | undefined, state: string): Verdict {
  if (record?.verdict) return record.verdict;
  if (state === 'skipped') return 'skipped';
  if (state === 'passed') return record?.level === 'INFO' ? 'info' : 'passed';
  return 'broken';
}

export function emptyCounts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

/** Protocol rows in a fixed order, whatever order the cases finished in. */
export const PROTOCOL_ORDER = ['stomp', 'oam', 'websocketd', 'hooks'];

function count(cases: CaseResult[]): { totals: Record<Verdict, number>; byProtocol: Record<string, Record<Verdict, number>> } {
  const totals = emptyCounts();
  const byProtocol: Record<string, Record<Verdict, number>> = {};
  const rank = (p: string) => (PROTOCOL_ORDER.indexOf(p) + 1 || 99);
  for (const suite of [...new Set(cases.map((c) => c.suite))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) byProtocol[suite] = emptyCounts();
  for (const c of cases) {
    totals[c.verdict]++;
    byProtocol[c.suite][c.verdict]++;
  }
  return { totals, byProtocol };
}

/**
 * Counts the verdicts. When some cases ran against the user's target and others against the reference servers
 * (--with-reference), the totals are the target's alone; the reference cases are counted apart.
 */
export function summarize(cases: CaseResult[], base: Omit<RunSummary, 'totals' | 'byProtocol' | 'cases' | 'baseline' | 'reference'>): RunSummary {
  const sorted = [...cases].sort((a, b) => compareIds(a.id, b.id));
  const real = sorted.filter((c) => c.target === 'real');
  const reference = sorted.filter((c) => c.target !== 'real');
  if (real.length && reference.length) return { ...base, ...count(real), reference: count(reference), cases: sorted };
  return { ...base, ...count(sorted), cases: sorted };
}

/** The cases the totals count (the target's). */
export function countedCases(summary: RunSummary): CaseResult[] {
  return summary.reference ? summary.cases.filter((c) => c.target === 'real') : summary.cases;
}

/** `S-9.10` after `S-9.2`: ids compare by their numbers. */
export function compareIds(a: string, b: string): number {
  const pa = a.split(/[-.]/);
  const pb = b.split(/[-.]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d) return d;
  }
  return 0;
}

/** The per-protocol table printed at the end of a run (and, apart, the reference servers' with --with-reference). */
export function renderTable(summary: RunSummary): string {
  const table = (byProtocol: RunSummary['byProtocol'], totals: RunSummary['totals'], title: string) => {
    const head = [title, ...VERDICTS];
    const rows = Object.entries(byProtocol).map(([p, counts]) => [p, ...VERDICTS.map((v) => String(counts[v]))]);
    rows.push(['total', ...VERDICTS.map((v) => String(totals[v]))]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return [line(head), ...rows.map(line)].join('\n');
  };
  const main = table(summary.byProtocol, summary.totals, 'protocol');
  if (!summary.reference) return main;
  return `${summary.target}:\n${main}\n\nreference servers (--with-reference; not in the target's totals):\n${table(summary.reference.byProtocol, summary.reference.totals, 'protocol')}`;
}
