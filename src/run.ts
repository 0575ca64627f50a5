import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createVitest, type TestModule } from 'vitest/node';
import { PACKAGE_ROOT, knownSuites, suiteFilters } from './suites.ts';
import type { CaseRecord } from './case.ts';
import type { Selection } from './selection.ts';
import { ENDPOINTS, type Endpoint } from './clauses.ts';
import { DEFAULT_FUZZ, type FuzzSettings } from './fuzz/settings.ts';
import { generateAllureHtml } from './report/allure-html.ts';
import { selectedFiles } from './report/catalogue.ts';
import { ProgressReporter } from './report/progress-reporter.ts';
import { baselineFailures, judgeBaseline, renderJudgement, updatedBaseline, writeBaseline, type Baseline, type StompTransportName } from './report/baseline.ts';
import { finalizeAllureResults } from './report/allure-results.ts';
import { AllureReporter } from './report/allure-reporter.ts';
import { renderJunit } from './report/junit.ts';
import { redact, redactDeep } from './report/redact.ts';
import { countedCases, renderTable, summarize, type RunSummary } from './report/summary.ts';
import { TRANSCRIPTS_DIR_ENV } from './report/observations.ts';
import { changedCategory, compareWithBase } from './report/diff-allure.ts';
import { isTcpStompUrl } from './transport/stomp-transport.ts';
import { EACH_QUIRK_ENV, EACH_QUIRK_PROJECT, OPTIONS_ENV, TARGET_ENV } from './target/env.ts';
import { quirkSpec, type Quirk } from '../mocks/quirks.ts';
import type { RunningContainer } from './target/container.ts';
import { preflight } from './target/preflight.ts';
import { TargetError, namedEndpoints, registerTargetFileSecrets, type TargetFile, type WebsocketdProfileName } from './target/target.ts';

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
  /** `--each-quirk`: the suites once per quirk, each against reference servers with that fault alone, in one process. */
  eachQuirk?: string[];
  /** Profile of the websocketd reference server. */
  profile?: WebsocketdProfileName;
  /** What carries STOMP to the reference server (`--stomp-transport`): WebSocket (default) or raw TCP. */
  stompTransport?: 'websocket' | 'tcp';
  /** Seed of everything generated in the run (shown in the report; replays a run exactly). */
  seed: number;
  /** `--shard i/n`: this run's share of the cases. */
  shard?: { index: number; count: number };
  /** `--workers N`: suite files at a time (default 3). */
  workers?: number;
  /** Settings of the fuzz suite; counterexamples go to `<reports>/fuzz/`. */
  fuzz?: Omit<FuzzSettings, 'outDir'>;
  /** Known deviations (`--baseline FILE`); with `update`, the file is rewritten from this run. */
  baseline?: { path: string; data?: Baseline; update: boolean; owner: string };
  /** `--case`: exactly these ids. */
  cases?: string[];
  /** Also run the suites of protocols the target does not name, against the reference servers (reported apart). */
  withReference?: boolean;
  /** The arguments naming the target (no secrets), repeated by the rerun commands of the recap. */
  targetArgs?: string[];
  /** `--compare BASE`: diff this run against BASE (a report folder or summary.json) and show it in the reports. */
  compare?: string;
}

/** The test files of each endpoint's cases; the fuzz suite's properties by the endpoint they send to. */
const ENDPOINT_FOLDERS: Record<Endpoint, { suite: string; folder: string; fuzz?: string }> = {
  stomp: { suite: 'stomp', folder: 'suites/stomp/', fuzz: 'suites/fuzz/stomp' },
  oam: { suite: 'oam', folder: 'suites/oam/' },
  websocketd: { suite: 'websocketd', folder: 'suites/websocketd/', fuzz: 'suites/fuzz/websocketd' },
  'hooks-backend': { suite: 'hooks', folder: 'suites/hooks/backend/', fuzz: 'suites/fuzz/hooks' },
  'hooks-client': { suite: 'hooks', folder: 'suites/hooks/client/' },
};

/**
 * What a run runs: the suites of the endpoints the target names (all of them against the reference servers when it
 * names none), the others only with --with-reference; --suite narrows that, --case and --grep narrow the cases.
 */
export function planRun(req: Pick<RunRequest, 'spec' | 'suite' | 'withReference' | 'cases' | 'grep'>): { filters: string[]; select: Selection; named: Endpoint[]; serve: Endpoint[] } {
  const named = namedEndpoints(req.spec);
  const select: Selection = { ...(req.cases ? { cases: req.cases } : {}), ...(req.grep ? { grep: req.grep } : {}) };
  // The reference servers the run needs: those of the endpoints it tests that the target does not name.
  const serving = (tested: readonly Endpoint[]) => tested.filter((e) => !named.includes(e));
  if (named.length === 0) return { filters: suiteFilters(req.suite), select, named, serve: serving(suiteEndpoints(req.suite, ENDPOINTS)) };
  const endpoints = req.withReference ? [...ENDPOINTS] : named;
  select.endpoints = endpoints;
  if (!req.suite || req.suite === 'all') {
    return { filters: req.withReference ? [] : endpoints.map((e) => ENDPOINT_FOLDERS[e].folder), select, named, serve: serving(endpoints) };
  }
  suiteFilters(req.suite); // an unknown suite is a usage error
  const mine = suiteEndpoints(req.suite, endpoints);
  if (mine.length === 0) {
    const what = req.suite === 'fuzz' ? `the fuzz suite has no properties for ${named.join(', ')}` : `the ${req.suite} suite tests none of them`;
    throw new TargetError(`--suite ${req.suite}: the target names ${named.join(', ')}, and ${what}; add --with-reference to run it against the reference servers`);
  }
  return { filters: mine.map((e) => (req.suite === 'fuzz' ? ENDPOINT_FOLDERS[e].fuzz! : ENDPOINT_FOLDERS[e].folder)), select: { ...select, endpoints: mine }, named, serve: serving(mine) };
}

/** The endpoints (of `among`) that `--suite S` tests: all of them without a suite. */
function suiteEndpoints(suite: string | undefined, among: readonly Endpoint[]): Endpoint[] {
  if (!suite || suite === 'all') return [...among];
  return among.filter((e) => (suite === 'fuzz' ? ENDPOINT_FOLDERS[e].fuzz !== undefined : ENDPOINT_FOLDERS[e].suite === suite));
}

/** What the reports call the target: its name, or the URLs the user gave (credentials redacted). */
function targetName(spec: TargetFile): string {
  const urls = [spec.stomp?.url, spec.oam?.url, spec.websocketd?.url, spec.hooks?.backend?.url, ...(spec.hooks?.client?.wcs ?? []).map((w) => w.url)].filter(Boolean);
  return redact(spec.name ?? (urls.join(', ') || 'reference servers'));
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
  const startedAt = new Date();
  registerTargetFileSecrets(req.spec);
  const reportsDir = resolve(req.reportsDir);
  const base = {
    tool: 'rtc-conformance',
    version: req.version,
    target: targetName(req.spec),
    strict: req.strict,
    seed: req.seed,
    ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
    ...(req.targetArgs?.length ? { targetArgs: req.targetArgs } : {}),
    startedAt: startedAt.toISOString(),
  };
  let plan: ReturnType<typeof planRun>;
  try {
    plan = planRun(req);
    if (plan.named.length) for (const w of await preflight(req.spec)) process.stdout.write(`note: ${redact(w)}\n`);
  } catch (err) {
    // A target error still leaves reports behind: a CI job has something to publish, and the reason.
    if (err instanceof TargetError) writeSummaryReports(reportsDir, summarize([], { ...base, durationMs: Date.now() - startedAt.getTime(), error: redact(err.message) }));
    throw err;
  }
  const resultsDir = join(reportsDir, 'allure-results');
  rmSync(resultsDir, { recursive: true, force: true });
  rmSync(join(reportsDir, 'fuzz'), { recursive: true, force: true });
  rmSync(join(reportsDir, 'transcripts'), { recursive: true, force: true });
  // --each-quirk writes each quirk's summary and JUnit file only: its cases would overwrite each other's transcripts.
  if (req.eachQuirk) delete process.env[TRANSCRIPTS_DIR_ENV];
  else process.env[TRANSCRIPTS_DIR_ENV] = join(reportsDir, 'transcripts');
  if (!req.eachQuirk) mkdirSync(resultsDir, { recursive: true });

  process.env[TARGET_ENV] = JSON.stringify(req.spec);
  // --each-quirk: one vitest project per quirk (vitest.config.ts), each with its own reference servers (global-setup.ts).
  const each = req.eachQuirk && Object.fromEntries(req.eachQuirk.map((q) => [EACH_QUIRK_PROJECT(q), { quirks: [q], profile: quirkSpec(q as Quirk).profile }]));
  if (req.eachQuirk) process.env[EACH_QUIRK_ENV] = JSON.stringify(req.eachQuirk);
  else delete process.env[EACH_QUIRK_ENV];
  const known = Object.fromEntries((req.baseline?.data?.deviations ?? []).map((d) => [d.id, `${d.reason} (owner: ${d.owner}${d.expires ? `, expires ${d.expires}` : ''})`]));
  process.env[OPTIONS_ENV] = JSON.stringify({ strict: req.strict, quirks: req.quirks, profile: req.profile, stompTransport: req.stompTransport, seed: req.seed, baseline: known, select: plan.select, serve: plan.serve, ...(each ? { each } : {}),
    fuzz: { ...DEFAULT_FUZZ, ...req.fuzz, outDir: join(reportsDir, 'fuzz') } });
  const progress = new ProgressReporter(process.stdout, undefined, new Set(Object.keys(known)));
  const quirkNote = (req.quirks.length ? ` with quirks ${req.quirks.join(', ')}` : '') + (req.profile ? ` (websocketd profile ${req.profile})` : '');
  const what = req.suite ?? (plan.named.length ? `the ${plan.named.join(', ')} suites${req.withReference ? ' (others against the reference servers)' : ''}` : 'all suites');
  process.stdout.write(`rtc-conformance ${req.version}: ${what} against ${base.target}${quirkNote}${req.strict ? ' (strict)' : ''}${req.shard ? `, shard ${req.shard.index}/${req.shard.count}` : ''}, seed ${req.seed}\n`);

  const vitestCreating = performance.now();
  const vitest = await createVitest(
    'test',
    {
      root: PACKAGE_ROOT,
      config: join(PACKAGE_ROOT, 'vitest.config.ts'),
      project: req.eachQuirk ? req.eachQuirk.map(EACH_QUIRK_PROJECT) : ['suites'],
      watch: false,
      // Cases mostly wait on the servers' timers, not on the CPU: three files at a time, each with many cases at once
      // (each worker costs its own module graph: ~70 MB of memory apiece; a fourth makes a run slower on 2 cores).
      maxWorkers: req.workers ?? 3,
      experimental: { fsModuleCache: true },
      // vitest's own sharding: whole test files, split the same way on every machine, none left out.
      ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
      // --each-quirk reports each quirk's summary and JUnit file; the negative controls publish no Allure report.
      reporters: req.eachQuirk ? [progress] : [
        progress,
        new AllureReporter({
          resultsDir,
          environmentInfo: redactDeep({
            harness: `rtc-conformance ${req.version}`,
            target: base.target,
            ...Object.fromEntries(plan.named.map((e) => [`target ${e}`, 'the target under test'])),
            ...(plan.named.length && req.withReference ? { 'other protocols': 'reference servers (--with-reference), counted apart' } : {}),
            suite: req.suite ?? (plan.named.length ? plan.named.join(', ') : 'all'),
            profile: req.profile ?? 'documented',
            seed: String(req.seed),
            strict: String(req.strict),
            ...(req.quirks.length ? { quirks: req.quirks.join(', ') } : {}),
            ...(req.baseline ? { baseline: req.baseline.path } : {}),
            ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
            node: process.version,
          }),
        }),
      ],
    },
    {},
    { stdout: new NullStream(), stderr: process.stderr },
  );
  const vitestCreated = Math.max(vitestCreating, performance.now());
  let modules: ReadonlyArray<TestModule> = [];
  // A signal stops the run but keeps what was measured: the reports below are still written, with exactly the
  // cases that finished. Cases still running get a moment to end, then the run is closed around them.
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping the run; the cases that finished are reported\n');
    void vitest.cancelCurrentRun('keyboard-input');
  };
  // vitest's own handlers exit the process at once; this CLI owns the process and ends the run itself.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, interrupt);
  }
  try {
    // --case / --grep: only the files that declare the selected cases (the catalogue knows them).
    const run = vitest.start(selectedFiles(plan.select, plan.filters) ?? plan.filters);
    const result = await Promise.race([run, untilInterrupted(() => interrupted, INTERRUPT_GRACE_MS)]);
    modules = result?.testModules ?? [];
  } finally {
    await vitest.close();
  }
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);

  const loadErrors = modules.filter((m) => m.state() === 'failed' && [...m.children.allTests()].length === 0);
  for (const m of loadErrors) progress.errors.push(`${m.moduleId}: ${m.errors().map((e) => e.message).join('; ')}`);

  if (req.eachQuirk) return publishEachQuirk(req.eachQuirk, progress, { ...base, durationMs: Date.now() - startedAt.getTime(), ...(interrupted ? { interrupted: true } : {}) }, reportsDir);
  const summary = summarize(progress.results, { ...base, durationMs: Date.now() - startedAt.getTime(), ...(interrupted ? { interrupted: true } : {}) });
  const at = (t: number | undefined) => (t === undefined ? undefined : Math.round(t));
  // performance.now() counts from the process's start: each phase ends at its mark.
  summary.phases = { startupMs: at(vitestCreated), collectMs: at(progress.marks.collected), casesMs: at(progress.marks.lastCase) };
  if (summary.cases.length === 0 && !interrupted && (req.cases || req.grep)) {
    summary.error = `no case matches ${req.cases ? `--case ${req.cases.join(',')}` : `--grep ${JSON.stringify(req.grep)}`}${req.suite ? ` in the ${req.suite} suite` : ''} (see: rtc-conformance list)`;
  }
  const transport = req.spec.stomp ? (isTcpStompUrl(req.spec.stomp.url) ? 'tcp' : 'websocket') : (req.stompTransport ?? 'websocket');
  const { exitCode, reportPath } = await publish(summary, { reportsDir, html: req.html, baseline: req.baseline, errors: progress.errors, transcripts: progress.transcripts, compare: req.compare, transport });
  if (summary.error) {
    process.stderr.write(`rtc-conformance: ${summary.error}\n`);
    return { summary, exitCode: 2, reportPath };
  }
  return { summary, exitCode: interrupted ? 130 : exitCode, reportPath };
}

/** After an interrupt, how long the cases still running may take to end before the run is closed around them. */
const INTERRUPT_GRACE_MS = 2_000;

/** Resolves (with nothing) `graceMs` after `interrupted()` turns true; never otherwise. */
function untilInterrupted(interrupted: () => boolean, graceMs: number): Promise<undefined> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!interrupted()) return;
      clearInterval(poll);
      setTimeout(() => resolve(undefined), graceMs).unref();
    }, 50);
    poll.unref();
  });
}

let moduleCache: string | false | undefined;
function moduleCacheDir(): string | undefined {
  if (moduleCache === undefined) {
    const dir = join(PACKAGE_ROOT, 'node_modules', '.experimental-vitest-cache');
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      moduleCache = dir;
    } catch {
      moduleCache = false;
    }
  }
  return moduleCache || undefined;
}

/**
 * summary.json and junit.xml, nothing else: of a run that could not start (the error, and a JUnit file with one
 * errored testcase), and of each quirk of `--each-quirk`.
 */
export function writeSummaryReports(reportsDir: string, summary: RunSummary, transcripts?: ReadonlyMap<string, string>): void {
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(join(reportsDir, 'summary.json'), JSON.stringify(redactDeep(summary), null, 2) + '\n');
  writeFileSync(join(reportsDir, 'junit.xml'), renderJunit(summary, transcripts));
}

/** `--each-quirk`: each quirk's summary.json and junit.xml in `<reports>/<quirk>/`, and a line per quirk. */
function publishEachQuirk(
  quirks: readonly string[],
  progress: ProgressReporter,
  base: Omit<RunSummary, 'totals' | 'byProtocol' | 'cases' | 'baseline' | 'reference'>,
  reportsDir: string,
): { summary: RunSummary; exitCode: number } {
  let bad = progress.errors.length > 0;
  const lines = [''];
  for (const quirk of quirks) {
    const own = progress.byProject.get(EACH_QUIRK_PROJECT(quirk));
    const summary = summarize(own?.results ?? [], { ...base, target: `reference servers with quirk ${quirk}` });
    writeSummaryReports(join(reportsDir, quirk), summary, own?.transcripts);
    const t = summary.totals;
    lines.push(`${quirk}: ${summary.cases.length} cases, ${t.failed} failed, ${t['non-strict']} non-strict, ${t.broken} broken`);
    // A quirk's run without a single case did not test it.
    if (t.failed + t.broken > 0 || summary.cases.length === 0) bad = true;
  }
  lines.push('', `reports: ${relative(process.cwd(), reportsDir) || '.'}/<quirk>/ (summary.json, junit.xml)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const e of progress.errors) process.stderr.write(`error: ${redact(e)}\n`);
  return { summary: summarize(progress.results, base), exitCode: base.interrupted ? 130 : bad ? 1 : 0 };
}

/**
 * Writes what a run (or a merge of shards) found: the table, the baseline judgement, the recap of what did not pass,
 * summary.json, junit.xml, the finished allure-results/ and the HTML report, then the exit code.
 */
export async function publish(
  summary: RunSummary,
  opts: { reportsDir: string; html: boolean; baseline?: RunRequest['baseline']; errors: string[]; transcripts?: ReadonlyMap<string, string>; junit?: boolean; compare?: string; transport?: StompTransportName },
): Promise<{ exitCode: number; reportPath?: string }> {
  const { reportsDir, errors } = opts;
  const resultsDir = join(reportsDir, 'allure-results');
  mkdirSync(reportsDir, { recursive: true });
  process.stdout.write(`\n${renderTable(summary)}\n`);
  if (summary.interrupted) process.stdout.write(`\ninterrupted: ${summary.cases.length} cases finished and are reported; the others did not run\n`);
  if (opts.baseline) {
    let baseline: Baseline = opts.baseline.data ?? { deviations: [] };
    if (opts.baseline.update) {
      baseline = updatedBaseline(opts.baseline.data, summary.cases, opts.baseline.owner, summary.target, opts.transport);
      writeBaseline(opts.baseline.path, baseline);
      process.stdout.write(`\nbaseline written: ${opts.baseline.path} (${baseline.deviations.length} deviations)\n`);
    }
    const judgement = judgeBaseline(baseline, summary.cases, opts.baseline.path, new Date(), opts.transport);
    summary.baseline = judgement;
    process.stdout.write(`\n${renderJudgement(judgement, baseline)}\n`);
  }
  const recap = renderRecap(summary);
  if (recap) process.stdout.write(`\n${recap}\n`);
  writeFileSync(join(reportsDir, 'summary.json'), JSON.stringify(redactDeep(summary), null, 2) + '\n');
  // A merge of shards keeps the shards' own JUnit files, merged (they carry the transcripts).
  if (opts.junit !== false) writeFileSync(join(reportsDir, 'junit.xml'), renderJunit(summary, opts.transcripts));
  finalizeAllureResults(resultsDir, summary);
  const compared = opts.compare ? compareWithBase(summary, opts.compare, reportsDir) : undefined;

  let reportPath: string | undefined;
  if (summary.phases) summary.phases.reportsMs = Math.round(performance.now());
  if (opts.html && existsSync(resultsDir)) {
    try {
      reportPath = await generateAllureHtml({
        resultsDir,
        outputDir: join(reportsDir, 'allure-report'),
        reportName: redact(`rtc-conformance — ${summary.target}`),
        historyPath: join(reportsDir, 'allure-history.jsonl'),
        ...(compared ? { categories: [changedCategory(opts.compare!)], globalAttachments: [join(reportsDir, 'diff.md')] } : {}),
      });
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (summary.phases) summary.phases.htmlMs = Math.round(performance.now());
  }
  // Again, with the marks of the phases after the first write (the reports' own, the HTML's).
  if (summary.phases) writeFileSync(join(reportsDir, 'summary.json'), JSON.stringify(redactDeep(summary), null, 2) + '\n');
  process.stdout.write(`\nreports: ${relative(process.cwd(), reportsDir) || '.'}/ (summary.json, junit.xml, allure-results/${reportPath ? ', allure-report/index.html' : ''})\n`);
  for (const e of errors) process.stderr.write(`error: ${redact(e)}\n`);

  // With a baseline, known deviations do not count; new failures, stale and expired entries do.
  const counted = countedCases(summary);
  const failed = summary.baseline ? baselineFailures(summary.baseline) : summary.totals.failed;
  const broken = summary.cases.filter((c) => c.verdict === 'broken').length;
  const bad = failed + broken + (summary.reference?.totals.failed ?? 0);
  const exitCode = bad > 0 || errors.length > 0 || counted.length === 0 ? 1 : 0;
  return { exitCode, reportPath };
}

/** At the end of a run: each failed, broken and non-strict case, its Actual line, and a command that reruns just it. */
export function renderRecap(summary: RunSummary): string {
  const known = new Set(summary.baseline?.known ?? []);
  const order = ['failed', 'broken', 'non-strict'] as const;
  const cases = summary.cases.filter((c) => (order as readonly string[]).includes(c.verdict)).sort((a, b) => order.indexOf(a.verdict as never) - order.indexOf(b.verdict as never));
  if (!cases.length) return '';
  const args = (summary.targetArgs ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  const lines = [`not passed (${cases.length}):`];
  for (const c of cases) {
    const label = c.verdict === 'failed' && known.has(c.id) ? 'KNOWN' : c.verdict.toUpperCase();
    const actual = c.message?.split('\n').find((l) => l.startsWith('Actual:'))?.replace(/^Actual:\s*/, '') ?? c.message?.split('\n')[0] ?? '';
    lines.push(`  ${label.padEnd(10)} ${c.id.padEnd(8)} ${c.title}`);
    if (actual) lines.push(`             ${actual.length > 160 ? `${actual.slice(0, 160)}…` : actual}`);
    lines.push(`             rerun: npx rtc-conformance run ${[...args, '--case', c.id].join(' ')}`);
  }
  return redact(lines.join('\n'));
}

export { listCases, type ListedCase } from './report/catalogue.ts';

/** Swallows vitest's own console output: the harness prints its own progress. */
export class NullStream extends Writable {
  override _write(_chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    done();
  }
}
