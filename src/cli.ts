import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { QUIRKS, parseQuirks } from '../mocks/quirks.ts';
import { CLAUSES } from './clauses.ts';
import { loadBaseline } from './report/baseline.ts';
import { compareIds } from './report/summary.ts';
import { PACKAGE_ROOT, knownSuites } from './suites.ts';
import { TargetError, WEBSOCKETD_PROFILES, loadTargetFile, targetSpec, type WebsocketdProfileName } from './target/target.ts';

const USAGE = `usage: rtc-conformance <command> [options]

commands:
  run     run the suites and write reports/ (allure-results, allure-report/index.html, junit.xml, summary.json)
  list    print every case with its clause and level (no target needed)
  mock    start the reference servers on their documented ports and print their URLs
  report  merge the reports of several shards: rtc-conformance report DIR... [--reports OUT]

run options:
  --suite S          one suite (${knownSuites().join(', ')}); default: all
  --grep PATTERN     only cases whose id or title matches (a regular expression)
  --target FILE      a target file (JSON, see schemas/target.schema.json)
  --stomp-url URL    a real STOMP-over-WebSocket endpoint, e.g. ws://127.0.0.1:15674/ws
  --oam-url URL --oam-rest-url URL   a real WCS OAM backend, e.g. wss://host:8090/ws and https://host:8090
  --hooks-backend-url URL            a REST hook backend (its application URL) for the hooks backend role
  --login L, --passcode P, --host H   STOMP CONNECT credentials and virtual host
  --insecure         accept self-signed TLS certificates
  --strict           SHOULD violations fail the run
  --baseline FILE    known deviations (YAML or JSON, schemas/baseline.schema.json): listed failures do not fail the
                     run; unlisted failures, listed cases that now pass (stale) and expired entries do
  --update-baseline  rewrite the --baseline file from this run (kept: reasons, owners, expiries of entries that still
                     deviate; added: new failures, owner from --owner; dropped: stale entries)
  --owner NAME       owner of entries added by --update-baseline (default: $USER or "unassigned")
  --seed N           seed of generated inputs (default: random; printed, and shown in the report)
  --fuzz-runs N      generated inputs per fuzz property (default 100)
  --fuzz-time S      time budget of one fuzz property in seconds, shrinking included (default 60)
  --fuzz-path ID@P   replay exactly one counterexample (printed with every fuzz failure)
  --quirk NAME       switch a fault on in the reference servers (repeatable; see mocks/quirks.ts)
  --profile P        websocketd reference profile: documented (default) or wazo-v2 (W-12 cases)
  --shard I/N        run shard I of N (a fixed share of the test files, hence of the cases); merge with "report"
  --reports DIR      where to write reports (default: reports)
  --no-html          skip the HTML report
report options:
  --reports OUT      where to write the merged reports (default: reports); --baseline FILE, --no-html as for run
list options:
  --suite S, --json
mock options:
  --plain            serve the OAM server over ws:// and http:// instead of wss:// and https://
  --listen HOST      the address to listen on (default 127.0.0.1; 0.0.0.0 inside a container)
  --oam-port N       default 8090; --websocketd-port N default 9502; --auth-port N default 9497 (documented)
  --bus URL          websocketd consumes events from this AMQP broker (exchange wazo-headers)
  --profile P        websocketd profile: documented (default) or wazo-v2
  --quirk NAME       start a deliberately broken reference server (repeatable)

exit codes: 0 all passed, 1 a case failed or was broken, 2 usage or target error`;

const version = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')).version as string;

class UsageError extends Error {}

/** The options of a run that say what was tested (target, faults, profile): a replay command repeats them. */
function replayTargetArgs(args: string[]): string[] {
  const keep = new Set(['--target', '--stomp-url', '--oam-url', '--oam-rest-url', '--hooks-backend-url', '--login', '--host', '--quirk', '--profile']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (keep.has(flag)) out.push(flag, inline ?? args[++i]);
    else if (flag === '--insecure' || flag === '--strict') out.push(flag);
  }
  return out;
}

function checkedQuirks(names: string[]): string[] {
  try {
    parseQuirks(names);
  } catch (err) {
    throw new UsageError(`--quirk: ${(err as Error).message}`);
  }
  return names;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const parseWithPositionals = (options: ParseArgsConfig['options'], allowPositionals: boolean) => {
    try {
      const { values, positionals } = parseArgs({ args: rest, options, allowPositionals, strict: true });
      return { values: values as Record<string, string | boolean | undefined>, positionals };
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  const parse = (options: ParseArgsConfig['options']) => parseWithPositionals(options, false).values;
  switch (command) {
    case 'run': {
      const v = parse({
        suite: { type: 'string' },
        grep: { type: 'string' },
        target: { type: 'string' },
        'stomp-url': { type: 'string' },
        'oam-url': { type: 'string' },
        'oam-rest-url': { type: 'string' },
        'hooks-backend-url': { type: 'string' },
        login: { type: 'string' },
        passcode: { type: 'string' },
        host: { type: 'string' },
        insecure: { type: 'boolean' },
        strict: { type: 'boolean', default: false },
        baseline: { type: 'string' },
        'update-baseline': { type: 'boolean', default: false },
        owner: { type: 'string' },
        seed: { type: 'string' },
        'fuzz-runs': { type: 'string' },
        'fuzz-time': { type: 'string' },
        'fuzz-path': { type: 'string' },
        quirk: { type: 'string', multiple: true, default: [] },
        profile: { type: 'string' },
        shard: { type: 'string' },
        reports: { type: 'string', default: 'reports' },
        'no-html': { type: 'boolean', default: false },
      });
      const file = v.target ? loadTargetFile(v.target as string) : undefined;
      const spec = targetSpec(file, {
        stompUrl: v['stomp-url'] as string | undefined,
        oamUrl: v['oam-url'] as string | undefined,
        oamRestUrl: v['oam-rest-url'] as string | undefined,
        hooksBackendUrl: v['hooks-backend-url'] as string | undefined,
        login: v.login as string | undefined,
        passcode: v.passcode as string | undefined,
        host: v.host as string | undefined,
        insecure: v.insecure as boolean | undefined,
      });
      if (v.grep) {
        try {
          new RegExp(v.grep as string);
        } catch (err) {
          throw new UsageError(`--grep: ${(err as Error).message}`);
        }
      }
      const quirks = checkedQuirks(v.quirk as unknown as string[]);
      const profile = v.profile as string | undefined;
      if (profile !== undefined && !(WEBSOCKETD_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile: "${profile}" is not one of ${WEBSOCKETD_PROFILES.join(', ')}`);
      const seed = v.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(v.seed);
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: "${v.seed}" is not an integer`);
      const baselinePath = v.baseline as string | undefined;
      if (v['update-baseline'] && !baselinePath) throw new UsageError('--update-baseline needs --baseline FILE (the file to write)');
      const baseline = baselinePath
        ? {
            path: baselinePath,
            // A baseline that does not exist yet is started by --update-baseline.
            data: v['update-baseline'] && !existsSync(baselinePath) ? undefined : loadBaseline(baselinePath),
            update: Boolean(v['update-baseline']),
            owner: (v.owner as string | undefined) ?? process.env.USER ?? 'unassigned',
          }
        : undefined;
      const positive = (flag: string, fallback: number) => {
        if (v[flag] === undefined) return fallback;
        const n = Number(v[flag]);
        if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag}: "${v[flag]}" is not a positive number`);
        return n;
      };
      const fuzzPath = v['fuzz-path'] as string | undefined;
      if (fuzzPath !== undefined && !/^[SOHW]-\d+\.F\d+@\d+(:\d+)*$/.test(fuzzPath)) throw new UsageError(`--fuzz-path: "${fuzzPath}" is not ID@PATH (e.g. S-5.F1@12:3:0)`);
      const fuzz = {
        runs: Math.round(positive('fuzz-runs', 100)),
        timeMs: positive('fuzz-time', 60) * 1000,
        ...(fuzzPath ? { replay: { id: fuzzPath.split('@')[0], path: fuzzPath.split('@')[1] } } : {}),
        targetArgs: replayTargetArgs(rest),
      };
      const shardMatch = v.shard === undefined ? undefined : /^(\d+)\/(\d+)$/.exec(v.shard as string);
      if (v.shard !== undefined && (!shardMatch || Number(shardMatch[1]) < 1 || Number(shardMatch[1]) > Number(shardMatch[2]))) {
        throw new UsageError(`--shard: "${v.shard}" is not I/N with 1 ≤ I ≤ N (e.g. 2/4)`);
      }
      const { runSuites } = await import('./run.ts');
      const { exitCode } = await runSuites({
        ...(shardMatch ? { shard: { index: Number(shardMatch[1]), count: Number(shardMatch[2]) } } : {}),
        fuzz,
        seed,
        baseline,
        quirks,
        profile: profile as WebsocketdProfileName | undefined,
        suite: v.suite as string | undefined,
        grep: v.grep as string | undefined,
        strict: Boolean(v.strict),
        spec,
        reportsDir: v.reports as string,
        html: !v['no-html'],
        version,
      });
      return exitCode;
    }
    case 'report': {
      const parsed = parseWithPositionals(
        { reports: { type: 'string', default: 'reports' }, baseline: { type: 'string' }, 'no-html': { type: 'boolean', default: false } },
        true,
      );
      const [{ mergeShards }, { publish }] = await Promise.all([import('./report/merge.ts'), import('./run.ts')]);
      const { summary, warnings } = mergeShards(parsed.positionals, parsed.values.reports as string);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`rtc-conformance ${version}: merged ${parsed.positionals.length} report folders, ${summary.cases.length} cases\n`);
      const baselinePath = parsed.values.baseline as string | undefined;
      const { exitCode } = await publish(summary, {
        reportsDir: resolve(parsed.values.reports as string),
        html: !parsed.values['no-html'],
        errors: [],
        ...(baselinePath ? { baseline: { path: baselinePath, data: loadBaseline(baselinePath), update: false, owner: '' } } : {}),
      });
      return exitCode;
    }
    case 'list': {
      const v = parse({ suite: { type: 'string' }, json: { type: 'boolean', default: false } });
      const { listCases } = await import('./run.ts');
      const cases = (await listCases(v.suite as string | undefined)).sort((a, b) => compareIds(a.id, b.id));
      if (v.json) {
        process.stdout.write(JSON.stringify(cases, null, 2) + '\n');
        return 0;
      }
      for (const clause of CLAUSES.values()) {
        const mine = cases.filter((c) => c.clause === clause.id);
        // A protocol's own suite shows its uncovered clauses too; other suites (fuzz) only the clauses they touch.
        if (v.suite && clause.protocol !== v.suite && mine.length === 0) continue;
        process.stdout.write(`${clause.id} [${clause.level}] ${mine.length ? '' : '(no cases yet)'}\n`);
        for (const c of mine) process.stdout.write(`  ${c.id.padEnd(8)} ${c.level.padEnd(6)} ${c.title}\n`);
      }
      process.stdout.write(`${cases.length} cases\n`);
      return 0;
    }
    case 'mock': {
      const v = parse({
        plain: { type: 'boolean', default: false },
        listen: { type: 'string', default: '127.0.0.1' },
        'oam-port': { type: 'string', default: '8090' },
        'websocketd-port': { type: 'string', default: '9502' },
        'auth-port': { type: 'string', default: '9497' },
        bus: { type: 'string' },
        profile: { type: 'string', default: 'documented' },
        quirk: { type: 'string', multiple: true, default: [] },
      });
      const quirks = parseQuirks(checkedQuirks(v.quirk as unknown as string[]));
      const port = (flag: string) => {
        const n = Number(v[flag]);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: "${v[flag]}" is not a port number`);
        return n;
      };
      const profile = v.profile as string;
      if (!(WEBSOCKETD_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile: "${profile}" is not one of ${WEBSOCKETD_PROFILES.join(', ')}`);
      const bus = v.bus as string | undefined;
      if (bus !== undefined && !/^amqps?:\/\//.test(bus)) throw new UsageError(`--bus: "${bus}" is not an amqp:// URL`);
      const inUse = (flag: string) => (err: NodeJS.ErrnoException) => {
        throw new TargetError(err.code === 'EADDRINUSE' ? `a port is already in use (choose another with --${flag})` : err.message);
      };
      const { startOamServer } = await import('../mocks/oam/server.ts');
      const { startWebsocketd } = await import('../mocks/websocketd/server.ts');
      if (quirks.size) process.stdout.write(`quirks on: ${[...quirks].map((q) => `${q} (breaks ${QUIRKS[q].clause})`).join(', ')}\n`);
      const host = v.listen as string;
      if (!/^[\w.:-]+$/.test(host)) throw new UsageError(`--listen: "${host}" is not a host address`);
      const oam = await startOamServer({ host, port: port('oam-port'), tls: !v.plain, quirks }).catch(inUse('oam-port'));
      const websocketd = await startWebsocketd({
        host,
        port: port('websocketd-port'),
        authPort: port('auth-port'),
        profile: profile as WebsocketdProfileName,
        quirks,
        ...(bus ? { bus: { url: bus } } : {}),
      }).catch(async (err) => {
        await oam.close();
        return inUse('websocketd-port')(err);
      });
      process.stdout.write(`WCS OAM reference server (STOMP 1.2 over WebSocket): ${oam.stompUrl}\n`);
      process.stdout.write(`  REST: ${oam.restUrl}/api/...${v.plain ? '' : '  (self-signed test certificate: use --insecure)'}\n`);
      process.stdout.write(`Wazo websocketd reference (${profile}): ${websocketd.url}?token=…${websocketd.url.startsWith('wss:') ? '  (wss, self-signed test certificate)' : ''}\n`);
      process.stdout.write(`  wazo-auth: ${websocketd.authUrl}/0.1/token (users: full, limited, negated, no-websocketd; see mocks/websocketd/auth.ts)\n`);
      process.stdout.write(`  bus: ${bus?.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') ?? `embedded (POST ${websocketd.publishUrl})`}\n`);
      process.stdout.write('Ctrl-C to stop.\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all([oam.close(), websocketd.close()]);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`rtc-conformance: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof TargetError) {
      process.stderr.write(`rtc-conformance: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`rtc-conformance: internal error: ${err?.stack ?? err}\n`);
    process.exit(2);
  },
);
