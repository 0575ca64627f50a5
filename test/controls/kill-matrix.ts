import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { quirkSpec, quirkSuite, type Quirk } from '../../mocks/quirks.ts';
import type { CaseResult } from '../../src/report/summary.ts';
import { cli, readSummary, tmp } from '../run-cli.ts';

/**
 * The kill matrix: each quirk (a deliberately broken reference server) is run through the suite of its protocol.
 * A quirk is killed when a case of its clause fails (or, SHOULD, comes out non-strict; INFO, records a deviation); it must break nothing else
 * but the clauses it declares as collateral, and no case may be broken.
 */
const CAUGHT = new Set(['failed', 'non-strict']);
/** A case caught the quirk: it failed, came out non-strict, or (INFO clause, e.g. S-12) recorded a deviation. */
const caughtBy = (c: CaseResult) => CAUGHT.has(c.verdict) || (c.verdict === 'info' && (c.deviation === true || c.message !== undefined));

export interface QuirkOutcome {
  quirk: Quirk;
  clause: string;
  suite: string;
  /** Cases of the quirk's clause that caught it. */
  caught: string[];
  /** Cases of other clauses that failed, each with its clause. */
  collateral: Array<{ id: string; clause: string; declared: boolean }>;
  broken: string[];
  cases: number;
  durationMs: number;
  /** The run itself went wrong (no summary, timeout). */
  error?: string;
}

export function killed(o: QuirkOutcome): boolean {
  return !o.error && o.caught.length > 0;
}

export function unexplained(o: QuirkOutcome): string[] {
  return [...o.collateral.filter((c) => !c.declared).map((c) => c.id), ...o.broken.map((id) => `${id} (broken)`)];
}

/** One outcome from the summary a quirk's run wrote (or the reason there is none). */
export function outcomeOf(quirk: Quirk, reports: string, durationMs: number, status: string | undefined): QuirkOutcome {
  const spec = quirkSpec(quirk);
  const base = { quirk, clause: spec.clause, suite: quirkSuite(quirk), caught: [], collateral: [], broken: [], cases: 0, durationMs };
  let cases: CaseResult[];
  try {
    cases = readSummary(reports).cases;
  } catch {
    return { ...base, error: status ?? 'no summary.json' };
  }
  const declared = new Set(spec.collateral?.clauses ?? []);
  return {
    ...base,
    cases: cases.length,
    caught: cases.filter((c) => c.clause === spec.clause && caughtBy(c)).map((c) => c.id),
    collateral: cases.filter((c) => c.clause !== spec.clause && caughtBy(c)).map((c) => ({ id: c.id, clause: c.clause, declared: declared.has(c.clause) })),
    broken: cases.filter((c) => c.verdict === 'broken').map((c) => c.id),
    ...(status ? { error: status } : {}),
  };
}

/**
 * Quirks of one suite in one run (`run --each-quirk`): each against reference servers of its own, with that fault
 * alone; the run's start-up (the CLI, vitest, the reporters) is paid once for them all.
 */
async function runBatch(quirks: readonly Quirk[], workers: number, deadlineMs: number): Promise<QuirkOutcome[]> {
  const reports = tmp('rtc-kill-');
  const started = Date.now();
  const r = await cli(['run', '--suite', quirkSuite(quirks[0]), '--each-quirk', quirks.join(','), '--seed', '1', '--no-html', '--workers', String(workers), '--reports', reports], { timeoutMs: deadlineMs });
  const status = r.code === null ? `no result within ${deadlineMs} ms` : r.code === 2 ? `exit 2: ${r.stderr.trim().slice(0, 300)}` : undefined;
  const durationMs = Date.now() - started;
  try {
    return quirks.map((q) => outcomeOf(q, join(reports, q), durationMs, status));
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
}

/**
 * Runs every quirk: the quirks of each suite in batches of at most `batch` (one run each, `workers` suite files at a
 * time), `concurrency` runs at a time, and reports each outcome as it comes.
 */
export async function runKillMatrix(
  quirks: readonly Quirk[],
  options: {
    concurrency: number;
    batch?: number;
    /** Suite files at a time in each run (default 1). */
    workers?: number;
    /** Suites whose batches start first (their runs take longest); the rest by batch size. */
    first?: readonly string[];
    deadlineMs?: number;
    onOutcome?: (o: QuirkOutcome, done: number) => void;
  },
): Promise<QuirkOutcome[]> {
  const bySuite = new Map<string, Quirk[]>();
  for (const q of quirks) bySuite.set(quirkSuite(q), [...(bySuite.get(quirkSuite(q)) ?? []), q]);
  const first = options.first ?? [];
  const rank = (b: Quirk[]) => (first.includes(quirkSuite(b[0])) ? first.indexOf(quirkSuite(b[0])) : first.length);
  // Batches of even size within a suite, the longest runs first, so that the last runs to finish are short ones.
  const queue = [...bySuite.values()]
    .flatMap((qs) => {
      const n = Math.ceil(qs.length / (options.batch ?? 6));
      return Array.from({ length: n }, (_, i) => qs.filter((_, j) => j % n === i));
    })
    .sort((a, b) => rank(a) - rank(b) || b.length - a.length);
  const outcomes: QuirkOutcome[] = [];
  const worker = async () => {
    for (let b = queue.shift(); b; b = queue.shift()) {
      for (const o of await runBatch(b, options.workers ?? 1, options.deadlineMs ?? 300_000)) {
        outcomes.push(o);
        options.onOutcome?.(o, outcomes.length);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return quirks.map((q) => outcomes.find((o) => o.quirk === q)!);
}

function ids(list: string[], max = 8): string {
  if (list.length === 0) return '-';
  return list.length <= max ? list.join(' ') : `${list.slice(0, max).join(' ')} … (${list.length})`;
}

/** The matrix as printed: one line per quirk, its clause, the cases that caught it, collateral; then the score. */
export function renderMatrix(outcomes: readonly QuirkOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.quirk,
    o.clause,
    o.error ? 'ERROR' : killed(o) ? 'killed' : 'SURVIVED',
    o.error ?? ids(o.caught),
    o.collateral.length || o.broken.length
      ? [ids(o.collateral.map((c) => `${c.id}${c.declared ? '' : '!'}`)), o.broken.length ? `broken: ${ids(o.broken)}` : ''].filter(Boolean).join('; ')
      : '-',
  ]);
  const head = ['quirk', 'clause', 'verdict', 'failing cases of its clause', 'other failing cases (! = undeclared)'];
  const widths = head.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => [...r.slice(0, 3).map((c, i) => c.padEnd(widths[i])), r[3], r[4]].join('  ').trimEnd();
  const total = outcomes.length;
  const dead = outcomes.filter(killed).length;
  const loose = outcomes.filter((o) => unexplained(o).length > 0).length;
  return [
    line(head),
    ...rows.map((r) => line([r[0], r[1], r[2], r[3].padEnd(Math.min(60, Math.max(...rows.map((x) => x[3].length)))), r[4]])),
    '',
    `mutation score: ${dead}/${total} quirks killed = ${total ? ((100 * dead) / total).toFixed(1) : '0'}%; ` +
      `quirks with unexplained collateral failures: ${loose}`,
  ].join('\n');
}
