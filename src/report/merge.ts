import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TargetError } from '../target/target.ts';
import { summarize, type CaseResult, type RunSummary } from './summary.ts';

/**
 * Merges the reports of several shards (`run --shard i/n`, each with its own --reports folder) into one: one
 * summary, one JUnit file, one folder of Allure results (and so one Allure report).
 */
export function mergeShards(dirs: readonly string[], outDir: string): { summary: RunSummary; warnings: string[] } {
  if (dirs.length === 0) throw new TargetError('report: name the report folders of the shards to merge');
  const out = resolve(outDir);
  const summaries = dirs.map((dir) => {
    const file = join(dir, 'summary.json');
    if (!existsSync(file)) throw new TargetError(`report: ${dir} holds no summary.json (is it the --reports folder of a run?)`);
    try {
      return { dir, summary: JSON.parse(readFileSync(file, 'utf8')) as RunSummary };
    } catch (err) {
      throw new TargetError(`report: ${file} is not valid JSON: ${(err as Error).message}`);
    }
  });
  const warnings: string[] = [];
  const shards = new Set(summaries.map((s) => s.summary.shard ?? 'unsharded'));
  const count = Number([...shards][0]?.split('/')[1]);
  if (shards.size !== dirs.length) warnings.push(`the folders hold shards ${[...shards].join(', ')}: some shard is given twice`);
  else if (count && count !== dirs.length) warnings.push(`${dirs.length} of ${count} shards merged: the report is incomplete`);

  const seen = new Map<string, string>();
  const cases: CaseResult[] = [];
  for (const { dir, summary } of summaries) {
    for (const c of summary.cases) {
      if (seen.has(c.id)) warnings.push(`case ${c.id} is in both ${seen.get(c.id)} and ${dir}: kept once`);
      else seen.set(c.id, dir), cases.push(c);
    }
  }
  const first = summaries[0].summary;
  const started = Math.min(...summaries.map((s) => Date.parse(s.summary.startedAt)));
  const summary = summarize(cases, {
    tool: first.tool,
    version: first.version,
    target: first.target,
    strict: first.strict,
    ...(first.seed !== undefined ? { seed: first.seed } : {}),
    startedAt: new Date(started).toISOString(),
    // Shards run side by side: the merged run took as long as the last one to end.
    durationMs: Math.max(...summaries.map((s) => Date.parse(s.summary.startedAt) + s.summary.durationMs)) - started,
  });

  mkdirSync(out, { recursive: true });
  const results = join(out, 'allure-results');
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  // Allure result files are named by UUID: the shards' folders merge without clashes.
  for (const { dir } of summaries) {
    const from = join(dir, 'allure-results');
    if (existsSync(from)) for (const f of readdirSync(from)) cpSync(join(from, f), join(results, f));
  }
  // Structured transcripts (one file per case id) for `diff`: shards hold disjoint cases.
  rmSync(join(out, 'transcripts'), { recursive: true, force: true });
  for (const { dir } of summaries) if (existsSync(join(dir, 'transcripts'))) cpSync(join(dir, 'transcripts'), join(out, 'transcripts'), { recursive: true });
  writeFileSync(join(out, 'junit.xml'), mergeJunit(summaries.map(({ dir }) => join(dir, 'junit.xml')).filter(existsSync).map((f) => readFileSync(f, 'utf8'))));
  return { summary, warnings };
}

/** One JUnit document from several: their <testsuite> elements under one <testsuites> with the totals added up. */
export function mergeJunit(documents: readonly string[]): string {
  const suites = documents.flatMap((doc) => doc.match(/<testsuite\b[\s\S]*?<\/testsuite>|<testsuite\b[^>]*\/>/g) ?? []);
  const total = (attr: string) =>
    suites.reduce((sum, suite) => sum + Number(new RegExp(`^<testsuite\\b[^>]*\\s${attr}="([\\d.]+)"`).exec(suite)?.[1] ?? 0), 0);
  const time = Math.round(total('time') * 1000) / 1000;
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    `<testsuites name="rtc-conformance" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" time="${time}">\n` +
    suites.map((s) => `    ${s}`).join('\n') +
    '\n</testsuites>\n'
  );
}
