import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createVitest, type TestModule } from 'vitest/node';
import { PACKAGE_ROOT, suiteFilters } from './suites.ts';
import type { CaseRecord } from './case.ts';
import { DEFAULT_FUZZ, type FuzzSettings } from './fuzz/property.ts';
import { generateAllureHtml } from './report/allure-html.ts';
import { ProgressReporter } from './report/progress-reporter.ts';
import { baselineFailures, judgeBaseline, renderJudgement, updatedBaseline, writeBaseline, type Baseline } from './report/baseline.ts';
import { renderTable, summarize, type RunSummary } from './report/summary.ts';
import { OPTIONS_ENV, TARGET_ENV } from './target/global-setup.ts';
import type { RunningContainer } from './target/container.ts';
import { TargetError, type TargetFile, type WebsocketdProfileName } from './target/target.ts';
import { reachable } from './transport/reachable.ts';
import { RecordingWebSocket } from './transport/ws-client.ts';

export interface RunRequest {
  suite?: string;
  grep?: string;
  strict: boolean;
  spec: TargetFile;
  reportsDir: string;
  html: boolean;
  version: string;
  /** Fault switches for the reference servers (negative controls, learning to read reports). */
  quirks: string[];
  /** Profile of the websocketd reference server. */
  profile?: WebsocketdProfileName;
  /** Seed of everything generated in the run (shown in the report; replays a run exactly). */
  seed: number;
  /** `--shard i/n`: this run's share of the cases. */
  shard?: { index: number; count: number };
  /** Settings of the fuzz suite; counterexamples go to `<reports>/fuzz/`. */
  fuzz?: Omit<FuzzSettings, 'outDir'>;
  /** Known deviations (`--baseline FILE`); with `update`, the file is rewritten from this run. */
  baseline?: { path: string; data?: Baseline; update: boolean; owner: string };
}

/** Fails fast, with the reason, when a real target cannot be reached at all (exit 2, not a run of broken cases). */
export async function preflight(spec: TargetFile): Promise<void> {
  if (spec.hooks?.backend) {
    const why = await reachable(spec.hooks.backend.url);
    if (why) throw new TargetError(`cannot reach the hook backend ${spec.hooks.backend.url}: ${why}`);
  }
  for (const wcs of spec.hooks?.client?.wcs ?? []) {
    try {
      const ws = await RecordingWebSocket.open(wcs.url, { insecure: wcs.insecure, timeoutMs: 5000 });
      await ws.close();
    } catch (err) {
      throw new TargetError(`cannot reach the WCS client API: ${(err as Error).message}`);
    }
  }
  for (const [what, endpoint] of [['STOMP', spec.stomp], ['OAM', spec.oam], ['websocketd', spec.websocketd]] as const) {
    if (!endpoint) continue;
    try {
      const ws = await RecordingWebSocket.open(endpoint.url, { protocols: ['v12.stomp'], insecure: endpoint.insecure, timeoutMs: 5000 });
      await ws.close();
    } catch (err) {
      throw new TargetError(`cannot reach the ${what} target: ${(err as Error).message}`);
    }
  }
}

/** A container target is started first and stopped last, whatever happens in between (failure, Ctrl-C). */
export async function runSuites(req: RunRequest): Promise<{ summary: RunSummary; exitCode: number; reportPath?: string }> {
  if (!req.spec.container) return runOn(req);
  suiteFilters(req.suite); // a bad --suite is a usage error before any container is started
  process.stdout.write(`starting container ${req.spec.container.image} …\n`);
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let container: RunningContainer | undefined;
  try {
    // testcontainers is loaded only for container targets: it is heavy to import.
    const { startContainer } = await import('./target/container.ts');
    container = await startContainer(req.spec, (line) => process.stdout.write(`${line}\n`));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  try {
    if (interrupted) throw new TargetError('interrupted while the container was starting');
    return await runOn({ ...req, spec: container.spec });
  } finally {
    await container.stop();
    process.stdout.write(`container ${req.spec.container.image} stopped\n`);
  }
}

async function runOn(req: RunRequest): Promise<{ summary: RunSummary; exitCode: number; reportPath?: string }> {
  const filters = suiteFilters(req.suite);
  await preflight(req.spec);
  const reportsDir = resolve(req.reportsDir);
  const resultsDir = join(reportsDir, 'allure-results');
  rmSync(resultsDir, { recursive: true, force: true });
  rmSync(join(reportsDir, 'fuzz'), { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });

  process.env[TARGET_ENV] = JSON.stringify(req.spec);
  const known = Object.fromEntries((req.baseline?.data?.deviations ?? []).map((d) => [d.id, `${d.reason} (owner: ${d.owner}${d.expires ? `, expires ${d.expires}` : ''})`]));
  process.env[OPTIONS_ENV] = JSON.stringify({ strict: req.strict, quirks: req.quirks, profile: req.profile, seed: req.seed, baseline: known,
    fuzz: { ...DEFAULT_FUZZ, ...req.fuzz, outDir: join(reportsDir, 'fuzz') } });
  const targetName = req.spec.name ?? ([req.spec.stomp?.url, req.spec.oam?.url, req.spec.websocketd?.url, req.spec.hooks?.backend?.url].filter(Boolean).join(', ') || 'reference servers');
  const progress = new ProgressReporter();
  const startedAt = new Date();
  const quirkNote = (req.quirks.length ? ` with quirks ${req.quirks.join(', ')}` : '') + (req.profile ? ` (websocketd profile ${req.profile})` : '');
  process.stdout.write(`rtc-conformance ${req.version}: ${req.suite ?? 'all suites'} against ${targetName}${quirkNote}${req.strict ? ' (strict)' : ''}${req.shard ? `, shard ${req.shard.index}/${req.shard.count}` : ''}, seed ${req.seed}\n`);

  const vitest = await createVitest(
    'test',
    {
      root: PACKAGE_ROOT,
      config: join(PACKAGE_ROOT, 'vitest.config.ts'),
      project: ['suites'],
      watch: false,
      testNamePattern: req.grep,
      // vitest's own sharding: whole test files, split the same way on every machine, none left out.
      ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
      reporters: [
        progress,
        ['junit', { outputFile: join(reportsDir, 'junit.xml'), suiteName: 'rtc-conformance' }],
        [
          'allure-vitest/reporter',
          {
            resultsDir,
            environmentInfo: {
              harness: `rtc-conformance ${req.version}`,
              target: targetName,
              suite: req.suite ?? 'all',
              profile: req.profile ?? 'documented',
              seed: String(req.seed),
              strict: String(req.strict),
              ...(req.quirks.length ? { quirks: req.quirks.join(', ') } : {}),
              ...(req.baseline ? { baseline: req.baseline.path } : {}),
              ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
              node: process.version,
            },
          },
        ],
      ],
    },
    {},
    { stdout: new NullStream(), stderr: process.stderr },
  );
  let modules: ReadonlyArray<TestModule> = [];
  // Ctrl-C stops the run but keeps what was measured: the reports below are still written.
  const interrupt = () => {
    progress.errors.push('interrupted: the run was stopped before every case had run');
    void vitest.cancelCurrentRun('keyboard-input');
  };
  // vitest's own handlers exit the process at once; this CLI owns the process and ends the run itself.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, interrupt);
  }
  try {
    const result = await vitest.start(filters);
    modules = result.testModules;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await vitest.close();
  }

  const loadErrors = modules.filter((m) => m.state() === 'failed' && [...m.children.allTests()].length === 0);
  for (const m of loadErrors) progress.errors.push(`${m.moduleId}: ${m.errors().map((e) => e.message).join('; ')}`);

  const summary = summarize(progress.results, {
    tool: 'rtc-conformance',
    version: req.version,
    target: targetName,
    strict: req.strict,
    seed: req.seed,
    ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
  });
  const { exitCode, reportPath } = await publish(summary, { reportsDir, html: req.html, baseline: req.baseline, errors: progress.errors });
  return { summary, exitCode, reportPath };
}

/**
 * Writes what a run (or a merge of shards) found: the table, the baseline judgement, summary.json and the HTML
 * report (allure-results/ and junit.xml are already in `reportsDir`), then the exit code.
 */
export async function publish(
  summary: RunSummary,
  opts: { reportsDir: string; html: boolean; baseline?: RunRequest['baseline']; errors: string[] },
): Promise<{ exitCode: number; reportPath?: string }> {
  const { reportsDir, errors } = opts;
  const resultsDir = join(reportsDir, 'allure-results');
  process.stdout.write(`\n${renderTable(summary)}\n`);
  if (opts.baseline) {
    let baseline: Baseline = opts.baseline.data ?? { deviations: [] };
    if (opts.baseline.update) {
      baseline = updatedBaseline(opts.baseline.data, summary.cases, opts.baseline.owner, summary.target);
      writeBaseline(opts.baseline.path, baseline);
      process.stdout.write(`\nbaseline written: ${opts.baseline.path} (${baseline.deviations.length} deviations)\n`);
    }
    const judgement = judgeBaseline(baseline, summary.cases, opts.baseline.path);
    summary.baseline = judgement;
    process.stdout.write(`\n${renderJudgement(judgement, baseline)}\n`);
  }
  writeFileSync(join(reportsDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  let reportPath: string | undefined;
  if (opts.html && existsSync(resultsDir)) {
    try {
      reportPath = await generateAllureHtml({
        resultsDir,
        outputDir: join(reportsDir, 'allure-report'),
        reportName: `rtc-conformance — ${summary.target}`,
        historyPath: join(reportsDir, 'allure-history.jsonl'),
      });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  process.stdout.write(`\nreports: ${relative(process.cwd(), reportsDir) || '.'}/ (summary.json, junit.xml, allure-results/${reportPath ? ', allure-report/index.html' : ''})\n`);
  for (const e of errors) process.stderr.write(`error: ${e}\n`);

  // With a baseline, known deviations do not count; new failures, stale and expired entries do.
  const bad = (summary.baseline ? baselineFailures(summary.baseline) : summary.totals.failed) + summary.totals.broken;
  const exitCode = bad > 0 || errors.length > 0 || summary.cases.length === 0 ? 1 : 0;
  return { exitCode, reportPath };
}

export interface ListedCase {
  id: string;
  suite: string;
  clause: string;
  level: string;
  title: string;
}

/** Collects the cases without running them (h2spec's dry run). */
export async function listCases(suite: string | undefined): Promise<ListedCase[]> {
  const filters = suiteFilters(suite);
  const vitest = await createVitest(
    'test',
    { root: PACKAGE_ROOT, config: join(PACKAGE_ROOT, 'vitest.config.ts'), project: ['suites'], watch: false, reporters: [] },
    {},
    { stdout: new NullStream(), stderr: process.stderr },
  );
  try {
    const { testModules } = await vitest.collect(filters);
    const cases: ListedCase[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const rtc = t.meta().rtc as CaseRecord | undefined;
        if (rtc) cases.push({ id: rtc.id, suite: rtc.protocol, clause: rtc.clause, level: rtc.level, title: rtc.title });
      }
    }
    return cases;
  } finally {
    await vitest.close();
  }
}

/** Swallows vitest's own console output: the harness prints its own progress. */
class NullStream extends Writable {
  override _write(_chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    done();
  }
}
