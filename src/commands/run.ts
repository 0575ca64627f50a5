import type { Command, OptionValues } from './command.ts';
import { UsageError } from './command.ts';

/** The options of a run that say what was tested (target, faults, profile): a rerun or replay command repeats them. */
export const TARGET_FLAGS = ['--target', '--stomp-url', '--stomp-transport', '--oam-url', '--oam-rest-url', '--hooks-backend-url', '--login', '--host', '--quirk', '--profile'];

export function replayTargetArgs(args: string[]): string[] {
  const keep = new Set(TARGET_FLAGS);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (keep.has(flag)) out.push(flag, inline ?? args[++i]);
    else if (flag === '--insecure' || flag === '--strict' || flag === '--with-reference') out.push(flag);
  }
  return out;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the suites and write reports/ (summary.json, junit.xml, allure-results/, allure-report/index.html).',
  options: {
    suite: { type: 'string', value: 'S', help: 'one suite (stomp, oam, websocketd, hooks, fuzz); default: the suites of the named target, or all' },
    case: { type: 'string', value: 'ID[,ID…]', multiple: true, help: 'exactly these case ids (e.g. S-9.1,S-9.12)' },
    grep: { type: 'string', value: 'PATTERN', help: 'only cases whose "id title" matches (a regular expression)' },
    target: { type: 'string', value: 'FILE', help: 'a target file (JSON, see schemas/target.schema.json)' },
    'stomp-url': { type: 'string', value: 'URL', help: 'a real STOMP endpoint: over WebSocket (ws://127.0.0.1:15674/ws, wss://…) or over TCP (stomp://127.0.0.1:61613, stomp+ssl://host:61614)' },
    'stomp-transport': { type: 'string', value: 'T', help: 'websocket (default) or tcp: what carries STOMP to the reference server' },
    'oam-url': { type: 'string', value: 'URL', help: 'a real WCS OAM backend (wss://host:8090/ws); with --oam-rest-url' },
    'oam-rest-url': { type: 'string', value: 'URL', help: 'its REST base (https://host:8090)' },
    'hooks-backend-url': { type: 'string', value: 'URL', help: 'a REST hook backend (its application URL), for the hooks backend role' },
    login: { type: 'string', value: 'L', help: 'STOMP CONNECT login' },
    passcode: { type: 'string', value: 'P', help: 'STOMP CONNECT passcode (redacted everywhere)' },
    host: { type: 'string', value: 'H', help: 'STOMP CONNECT host (virtual host)' },
    insecure: { type: 'boolean', help: 'accept self-signed TLS certificates' },
    'with-reference': { type: 'boolean', default: false, help: 'also run the suites of protocols the target does not name, against the reference servers (reported apart)' },
    strict: { type: 'boolean', default: false, help: 'SHOULD violations fail the run' },
    baseline: { type: 'string', value: 'FILE', help: 'known deviations (YAML or JSON): listed failures do not fail the run; new, stale and expired entries do' },
    'update-baseline': { type: 'boolean', default: false, help: 'rewrite the --baseline file from this run' },
    owner: { type: 'string', value: 'NAME', help: 'owner of entries added by --update-baseline (default: $USER)' },
    seed: { type: 'string', value: 'N', help: 'seed of generated inputs (default: random; printed and in the report)' },
    'fuzz-runs': { type: 'string', value: 'N', help: 'generated inputs per fuzz property (default 100)' },
    'fuzz-time': { type: 'string', value: 'S', help: 'time budget of one fuzz property in seconds (default 60)' },
    'fuzz-path': { type: 'string', value: 'ID@P', help: 'replay exactly one counterexample (printed with every fuzz failure)' },
    quirk: { type: 'string', value: 'NAME', multiple: true, default: [], help: 'switch a fault on in the reference servers (see: rtc-conformance list --quirks)' },
    'each-quirk': {
      type: 'string',
      value: 'NAME[,NAME…]',
      multiple: true,
      help: 'negative controls (the kill matrix): the suites once per quirk, each against reference servers with that fault alone (and the websocketd profile it declares), in one process; reports/<quirk>/summary.json and junit.xml, no Allure report',
    },
    profile: { type: 'string', value: 'P', help: 'websocketd profile: documented, wazo-v2 or wazo-current; applies to real targets too' },
    shard: { type: 'string', value: 'I/N', help: 'run shard I of N; merge the shards with "report"' },
    workers: { type: 'string', value: 'N', help: 'suite files run at a time, each with many cases at once (default 3; 1 when several runs share a machine)' },
    reports: { type: 'string', value: 'DIR', default: 'reports', help: 'where to write the reports (default: reports)' },
    'no-html': { type: 'boolean', default: false, help: 'skip the HTML report' },
    compare: { type: 'string', value: 'BASE', help: 'then diff the run against BASE (a report folder or summary.json): printed, in diff.md/diff.json and the HTML report' },
  },
  notes: 'exit codes: 0 all passed, 1 a case failed or was broken, 2 usage or target error (reports are still written), 130 interrupted',
  async run(v: OptionValues, _positionals: string[], argv: string[]): Promise<number> {
    const [{ loadTargetFile, namedEndpoints, targetSpec, WEBSOCKETD_PROFILES }, { parseQuirks }, { loadBaseline }, { existsSync }] = await Promise.all([
      import('../target/target.ts'),
      import('../../mocks/quirks.ts'),
      import('../report/baseline.ts'),
      import('node:fs'),
    ]);
    const { registerSecret } = await import('../report/redact.ts');
    // The passcode is a secret before anything can print it (a usage error quoting the command line, say).
    registerSecret(v.passcode as string | undefined, 'passcode');
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
      profile: checkedProfile(v.profile as string | undefined, WEBSOCKETD_PROFILES),
    });
    if (v.grep) {
      try {
        new RegExp(v.grep as string);
      } catch (err) {
        throw new UsageError(`--grep: ${(err as Error).message}`);
      }
    }
    const cases = (v.case as string[] | undefined)?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    for (const id of cases ?? []) if (!/^[SOHW]-\d+\.[A-Z]?\d+$/.test(id)) throw new UsageError(`--case: "${id}" is not a case id (e.g. S-9.12, S-5.F1)`);
    const quirks = v.quirk as string[];
    try {
      parseQuirks(quirks);
    } catch (err) {
      throw new UsageError(`--quirk: ${(err as Error).message}`);
    }
    const profile = checkedProfile(v.profile as string | undefined, WEBSOCKETD_PROFILES);
    const eachQuirk = (v['each-quirk'] as string[] | undefined)?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    if (eachQuirk) {
      try {
        parseQuirks(eachQuirk);
      } catch (err) {
        throw new UsageError(`--each-quirk: ${(err as Error).message}`);
      }
      if (new Set(eachQuirk).size !== eachQuirk.length) throw new UsageError('--each-quirk: a quirk is named twice');
      // Each quirk is run alone against the reference servers: nothing may add to it or stand in for them.
      const clash = [
        quirks.length ? '--quirk' : '',
        profile ? '--profile' : '',
        namedEndpoints(spec).length || spec.container ? 'a real target' : '',
        v.shard !== undefined ? '--shard' : '',
        v.baseline !== undefined ? '--baseline' : '',
        v.compare !== undefined ? '--compare' : '',
      ].filter(Boolean);
      if (clash.length) throw new UsageError(`--each-quirk runs each quirk alone against the reference servers: not with ${clash.join(', ')}`);
    }
    const stompTransport = v['stomp-transport'] as string | undefined;
    if (stompTransport !== undefined && stompTransport !== 'websocket' && stompTransport !== 'tcp') throw new UsageError(`--stomp-transport: "${stompTransport}" is not websocket or tcp`);
    if (stompTransport !== undefined && spec.stomp) throw new UsageError('--stomp-transport chooses the reference server\'s transport; a real target says its own by its URL (ws://, stomp://)');
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
    const targetArgs = replayTargetArgs(argv);
    const fuzz = {
      runs: Math.round(positive('fuzz-runs', 100)),
      timeMs: positive('fuzz-time', 60) * 1000,
      ...(fuzzPath ? { replay: { id: fuzzPath.split('@')[0], path: fuzzPath.split('@')[1] } } : {}),
      targetArgs,
    };
    const shardMatch = v.shard === undefined ? undefined : /^(\d+)\/(\d+)$/.exec(v.shard as string);
    if (v.shard !== undefined && (!shardMatch || Number(shardMatch[1]) < 1 || Number(shardMatch[1]) > Number(shardMatch[2]))) {
      throw new UsageError(`--shard: "${v.shard}" is not I/N with 1 ≤ I ≤ N (e.g. 2/4)`);
    }
    const workers = v.workers === undefined ? undefined : Number(v.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UsageError(`--workers: "${v.workers}" is not a whole number from 1 to 64`);
    const compare = v.compare as string | undefined;
    if (compare !== undefined) {
      const { loadRun } = await import('../report/diff.ts');
      try {
        loadRun(compare, '--compare'); // a bad BASE is an input error before anything runs
      } catch (err) {
        throw new (await import('../target/target.ts')).TargetError((err as Error).message);
      }
    }
    const { runSuites } = await import('../run.ts');
    const { exitCode } = await runSuites({
      ...(shardMatch ? { shard: { index: Number(shardMatch[1]), count: Number(shardMatch[2]) } } : {}),
      ...(workers ? { workers } : {}),
      fuzz,
      seed,
      baseline,
      quirks,
      ...(eachQuirk ? { eachQuirk } : {}),
      profile: profile as never,
      ...(stompTransport ? { stompTransport: stompTransport as 'websocket' | 'tcp' } : {}),
      suite: v.suite as string | undefined,
      grep: v.grep as string | undefined,
      ...(cases?.length ? { cases } : {}),
      withReference: Boolean(v['with-reference']),
      targetArgs,
      strict: Boolean(v.strict),
      spec,
      reportsDir: v.reports as string,
      html: !v['no-html'],
      version: (await import('../version.ts')).VERSION,
      ...(compare !== undefined ? { compare } : {}),
    });
    return exitCode;
  },
};

/** `--profile`, checked: it names the websocketd profile of the reference and of a real target alike. */
function checkedProfile<P extends string>(profile: string | undefined, profiles: readonly P[]): P | undefined {
  if (profile !== undefined && !(profiles as readonly string[]).includes(profile)) throw new UsageError(`--profile: "${profile}" is not one of ${profiles.join(', ')}`);
  return profile as P | undefined;
}
