import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../case.ts';
import { redact } from './redact.ts';
import type { CaseResult, RunSummary } from './summary.ts';

/**
 * Allure has five statuses for our six verdicts: a non-strict result and an INFO case that recorded a deviation are
 * `unknown` (neither green nor red, filed under their own category), a plain INFO observation is `passed`.
 */
export function allureStatus(c: Pick<CaseResult, 'verdict' | 'deviation'>): 'passed' | 'failed' | 'broken' | 'skipped' | 'unknown' {
  const map: Record<Verdict, 'passed' | 'failed' | 'broken' | 'skipped' | 'unknown'> = {
    passed: 'passed', failed: 'failed', broken: 'broken', skipped: 'skipped', 'non-strict': 'unknown', info: 'passed',
  };
  return c.verdict === 'info' && c.deviation ? 'unknown' : map[c.verdict];
}

/** The labels a reader needs first, in this order, before vitest's own. */
const FIRST_LABELS = ['level', 'clause', 'verdict', 'target', 'baseline', 'deviation'];

interface AllureResult {
  name: string;
  parameters?: Array<{ name: string; value: string }>;
  status: string;
  statusDetails?: { message?: string; trace?: string };
  labels: Array<{ name: string; value: string }>;
  steps?: Array<{ attachments?: Array<{ source: string }> }>;
  attachments?: Array<{ source: string }>;
}

/**
 * Makes allure-results/ say what summary.json says, after the run and before the HTML: only cases that ran (a case
 * left out by the selection is not there), each with the status of its verdict, Expected/Actual (or the INFO
 * observation) in `statusDetails`, no harness stack trace on a conformance failure, the labels that matter first, and
 * every file redacted.
 */
export function finalizeAllureResults(resultsDir: string, summary: RunSummary): void {
  if (!existsSync(resultsDir)) return;
  const byId = new Map(summary.cases.map((c) => [c.id, c]));
  const kept = new Set<string>();
  const referenced = new Set<string>();
  const files = readdirSync(resultsDir);
  for (const file of files.filter((f) => f.endsWith('-result.json'))) {
    const path = join(resultsDir, file);
    const result = JSON.parse(readFileSync(path, 'utf8')) as AllureResult;
    const id = result.labels.find((l) => l.name === 'story')?.value;
    const c = id ? byId.get(id) : undefined;
    if (!c || kept.has(c.id)) {
      rmSync(path);
      continue;
    }
    kept.add(c.id);
    result.status = allureStatus(c);
    const details = c.verdict === 'info' ? [c.observation, c.deviation ? c.message : undefined].filter(Boolean).join('\n') : c.message;
    const trace = c.verdict === 'broken' ? result.statusDetails?.trace : undefined;
    result.statusDetails = { ...(details ? { message: details } : {}), ...(trace ? { trace } : {}) };
    // Allure shows an error box only for failed and broken results: a deviation that does not fail the run shows its
    // Expected and Actual as the case's first parameters, on the case's page (no attachment to open).
    const expected = /^Expected: (.*)$/m.exec(c.message ?? '')?.[1];
    const actual = /^Actual: +(.*)$/m.exec(c.message ?? '')?.[1];
    const shown = c.verdict === 'non-strict' || (c.verdict === 'info' && c.deviation);
    const params = (result.parameters ?? []).filter((p) => !['Expected', 'Actual', 'Observed'].includes(p.name));
    result.parameters = [
      ...(shown && expected !== undefined ? [{ name: 'Expected', value: expected }] : []),
      ...(shown && actual !== undefined ? [{ name: 'Actual', value: actual }] : []),
      ...(c.verdict === 'info' && c.observation ? [{ name: 'Observed', value: c.observation }] : []),
      ...params,
    ];
    const labels = result.labels.filter((l) => l.name !== 'verdict' && l.name !== 'deviation');
    labels.push({ name: 'verdict', value: c.verdict });
    if (c.deviation) labels.push({ name: 'deviation', value: 'recorded' });
    const rank = (name: string) => (FIRST_LABELS.indexOf(name) + 1 || FIRST_LABELS.length + 1);
    result.labels = labels.map((l, i) => ({ l, i })).sort((a, b) => rank(a.l.name) - rank(b.l.name) || a.i - b.i).map(({ l }) => l);
    for (const a of [...(result.attachments ?? []), ...(result.steps ?? []).flatMap((s) => s.attachments ?? [])]) referenced.add(a.source);
    writeFileSync(path, redact(JSON.stringify(result)));
  }
  // Attachments of results that were dropped go too; every text file left is redacted (rewritten only if it changes).
  for (const file of files) {
    if (file.endsWith('-result.json')) continue;
    const path = join(resultsDir, file);
    if (file.includes('-attachment') && !referenced.has(file)) {
      rmSync(path);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const clean = redact(text);
    if (clean !== text) writeFileSync(path, clean);
  }
}
