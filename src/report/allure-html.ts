import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { redact } from './redact.ts';

/**
 * Allure categories, one per verdict of DESIGN.md (first match wins). Cases carry the labels `level`, `verdict` and,
 * for a failure listed in the run's baseline, `baseline: known` (src/case.ts).
 */
export const VERDICT_CATEGORIES = [
  { name: 'Known deviations (baseline)', matchers: { labels: { baseline: '^known$' } } },
  { name: 'MUST violations', matchers: { statuses: ['failed'], labels: { level: '^MUST$' } } },
  { name: 'SHOULD violations (--strict)', matchers: { statuses: ['failed'], labels: { level: '^SHOULD$' } } },
  { name: 'SHOULD deviations (non-strict)', matchers: { statuses: ['unknown'], labels: { verdict: '^non-strict$' } } },
  { name: 'Harness or connection errors (broken)', matchers: { statuses: ['broken'] } },
  { name: 'Skipped (not applicable to this target)', matchers: { statuses: ['skipped'] } },
  { name: 'INFO deviations (recorded)', matchers: { statuses: ['unknown'], labels: { deviation: '^recorded$' } } },
  { name: 'INFO observations (recorded)', matchers: { labels: { level: '^INFO$' } } },
];

/**
 * Allure's report templates load Google Tag Manager when opened (the awesome plugin does so whatever
 * ALLURE_NO_ANALYTICS says): a conformance report a vendor publishes makes no request at all, so it goes.
 */
export function stripAnalytics(html: string): string {
  return html
    .replace(/<script[^>]*src="https:\/\/www\.googletagmanager\.com\/[^"]*"[^>]*><\/script>/g, '')
    .replace(/<script>\s*window\.dataLayer[\s\S]*?<\/script>/g, '');
}

/**
 * Generates the Allure 3 HTML report as one self-contained file that opens from disk, grouped
 * protocol → clause → case (epic and feature labels set by every case).
 */
export async function generateAllureHtml(opts: {
  resultsDir: string;
  outputDir: string;
  reportName: string;
  historyPath?: string;
  /** Categories after the verdict ones (`run --compare`: changed since BASE). */
  categories?: Array<{ name: string; matchers: Record<string, unknown> }>;
  /** Files shown at report level (`run --compare`: the diff as markdown). */
  globalAttachments?: string[];
}): Promise<string> {
  const config = {
    name: opts.reportName,
    output: resolve(opts.outputDir),
    // Each generation appends this run to the history file, so trends and per-case history show across runs.
    ...(opts.historyPath ? { historyPath: resolve(opts.historyPath) } : {}),
    categories: { rules: [...VERDICT_CATEGORIES, ...(opts.categories ?? [])] },
    ...(opts.globalAttachments?.length ? { globalAttachments: opts.globalAttachments.map((f) => resolve(f)) } : {}),
    plugins: {
      awesome: {
        options: {
          singleFile: true,
          reportName: opts.reportName,
          groupBy: ['epic', 'feature'],
        },
      },
    },
  };
  mkdirSync(opts.outputDir, { recursive: true });
  const configPath = join(opts.outputDir, '..', 'allurerc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // Allure's own generator, in this process (what `allure generate --config` runs, without a second Node start-up
  // and the CLI's modules): the allurerc.json stays beside the report for a user to generate it again.
  try {
    process.env.ALLURE_NO_ANALYTICS = 'true';
    const { AllureReport, readConfig } = await import('@allurereport/core');
    const report = new AllureReport(await readConfig(dirname(configPath), configPath, { output: resolve(opts.outputDir) }));
    await report.start();
    await report.readDirectory(resolve(opts.resultsDir));
    await report.done();
  } catch (err) {
    throw new Error(`allure generate failed: ${String((err as Error)?.stack ?? err).slice(-2000)}`);
  }
  const index = join(opts.outputDir, 'index.html');
  writeFileSync(index, stripAnalytics(readFileSync(index, 'utf8')));
  // The history outlives the run: what earlier versions let into it is redacted too.
  if (opts.historyPath && existsSync(opts.historyPath)) writeFileSync(opts.historyPath, redact(readFileSync(opts.historyPath, 'utf8')));
  return index;
}
