import type { CaseRecord, Verdict } from '../case.ts';
import type { BaselineJudgement } from './baseline.ts';

export const VERDICTS: Verdict[] = ['passed', 'failed', 'non-strict', 'info', 'skipped', 'broken'];

/** One line of summary.json. */
export interface CaseResult {
  id: string;
  suite: string;
  clause: string;
  level: string;
  title: string;
  verdict: Verdict;
  durationMs: number;
  message?: string;
  measurements?: Record<string, string>;
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
  totals: Record<Verdict, number>;
  byProtocol: Record<string, Record<Verdict, number>>;
  cases: CaseResult[];
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

export function summarize(cases: CaseResult[], base: Omit<RunSummary, 'totals' | 'byProtocol' | 'cases' | 'baseline'>): RunSummary {
  const totals = emptyCounts();
  const byProtocol: Record<string, Record<Verdict, number>> = {};
  for (const c of cases) {
    totals[c.verdict]++;
    (byProtocol[c.suite] ??= emptyCounts())[c.verdict]++;
  }
  const sorted = [...cases].sort((a, b) => compareIds(a.id, b.id));
  return { ...base, totals, byProtocol, cases: sorted };
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

/** The per-protocol table printed at the end of a run. */
export function renderTable(summary: RunSummary): string {
  const head = ['protocol', ...VERDICTS];
  const rows = Object.entries(summary.byProtocol).map(([p, counts]) => [p, ...VERDICTS.map((v) => String(counts[v]))]);
  rows.push(['total', ...VERDICTS.map((v) => String(summary.totals[v]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
