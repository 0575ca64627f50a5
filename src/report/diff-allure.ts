import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseLines, renderDiff } from './diff-render.ts';
import { diffRuns, loadRun, type CaseChange, type RunDiff, type Tolerances } from './diff.ts';
import { redact } from './redact.ts';
import type { RunSummary } from './summary.ts';

/** The Allure category of `run --compare`: after the verdict categories (first match wins), so it gathers the cases
 * that pass but changed; every changed case also carries the tag and an attachment saying what changed. */
export const CHANGED_TAG = 'changed since base';
export function changedCategory(base: string) {
  return { name: `Changed since ${base}`, matchers: { labels: { changed: '.+' } } };
}

/**
 * `run --compare BASE` (from publish()): diffs this run against BASE, prints the text diff, writes `diff.md` and
 * `diff.json` into the reports folder and marks each changed case in `allure-results/` (labels `changed`, `tag`, a
 * line on top of its description and an attachment) before the HTML report is generated.
 */
export function compareWithBase(summary: RunSummary, basePath: string, reportsDir: string, tolerances?: Tolerances): RunDiff {
  const base = loadRun(basePath, '--compare');
  const transcripts = join(reportsDir, 'transcripts');
  const d = diffRuns(base, { path: reportsDir, summary, ...(existsSync(transcripts) ? { transcriptsDir: transcripts } : {}) }, tolerances ? { tolerances } : {});
  process.stdout.write(`\nchanged since ${basePath}:\n${renderDiff(d, 'text')}`);
  const markdown = renderDiff(d, 'markdown');
  writeFileSync(join(reportsDir, 'diff.md'), markdown);
  writeFileSync(join(reportsDir, 'diff.json'), renderDiff(d, 'json'));
  const results = join(reportsDir, 'allure-results');
  if (existsSync(results)) annotateAllure(results, d, basePath, markdown);
  return d;
}

interface AllureResult {
  labels: Array<{ name: string; value: string }>;
  steps?: Array<Record<string, unknown>>;
  description?: string;
  start?: number;
}

function annotateAllure(results: string, d: RunDiff, basePath: string, markdown: string): void {
  const byId = new Map<string, CaseChange>(d.changes.map((c) => [c.id, c]));
  const attach = (name: string, text: string, ext: string, type: string) => {
    const source = `${randomUUID()}-attachment.${ext}`;
    writeFileSync(join(results, source), redact(text));
    return { name, source, type };
  };
  for (const f of readdirSync(results).filter((f) => f.endsWith('-result.json'))) {
    const file = join(results, f);
    const r = JSON.parse(readFileSync(file, 'utf8')) as AllureResult;
    const id = r.labels?.find((l) => l.name === 'story')?.value;
    const change = id ? byId.get(id) : undefined;
    if (!change) continue;
    const lines = caseLines(change);
    r.labels.push({ name: 'changed', value: change.change }, { name: 'tag', value: CHANGED_TAG });
    r.description = `**Changed since ${basePath}** (${change.change}): ${lines.filter((l) => !l.startsWith('  ') && !l.startsWith('frames')).join('; ')}\n\n${r.description ?? ''}`;
    const attachment = attach(`changed since ${basePath}`, `${change.id}: changed since ${basePath}\n\n${lines.join('\n')}\n`, 'txt', 'text/plain');
    r.steps = [{ name: attachment.name, status: 'passed', stage: 'finished', attachments: [attachment], steps: [], parameters: [], start: r.start, stop: r.start }, ...(r.steps ?? [])];
    writeFileSync(file, JSON.stringify(r));
  }
  // The whole diff, for the report's environment and as a file next to the results.
  writeFileSync(join(results, 'changed-since-base.md'), redact(markdown));
  const env = join(results, 'environment.properties');
  if (existsSync(env)) appendFileSync(env, `\ncompared\\ with=${basePath.replace(/[=:\\]/g, '\\$&')}\nchanged\\ since\\ base=${d.summary.replace(/[=:\\]/g, '\\$&')}\n`);
}
