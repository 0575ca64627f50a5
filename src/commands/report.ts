import type { Command, OptionValues } from './command.ts';
import { UsageError } from './command.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Merge the report folders of several shards into one summary.json, junit.xml, allure-results/ and HTML report.',
  positionals: 'DIR…',
  options: {
    reports: { type: 'string', value: 'OUT', default: 'reports', help: 'where to write the merged reports (default: reports)' },
    baseline: { type: 'string', value: 'FILE', help: 'judge the merged run against known deviations' },
    'no-html': { type: 'boolean', default: false, help: 'skip the HTML report' },
  },
  async run(v: OptionValues, positionals: string[]): Promise<number> {
    if (!positionals.length) throw new UsageError('report: name the report folders of the shards to merge');
    const [{ mergeShards }, { publish }, { loadBaseline }, { resolve }, { VERSION }] = await Promise.all([
      import('../report/merge.ts'),
      import('../run.ts'),
      import('../report/baseline.ts'),
      import('node:path'),
      import('../version.ts'),
    ]);
    const { summary, warnings } = mergeShards(positionals, v.reports as string);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`rtc-conformance ${VERSION}: merged ${positionals.length} report folders, ${summary.cases.length} cases\n`);
    const baselinePath = v.baseline as string | undefined;
    const { exitCode } = await publish(summary, {
      reportsDir: resolve(v.reports as string),
      html: !v['no-html'],
      errors: [],
      junit: false,
      ...(baselinePath ? { baseline: { path: baselinePath, data: loadBaseline(baselinePath), update: false, owner: '' } } : {}),
    });
    return exitCode;
  },
};
