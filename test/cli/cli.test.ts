import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CLAUSES } from '../../src/clauses.ts';
import { readCatalogue, selectedFiles } from '../../src/report/catalogue.ts';
import { suiteFilters } from '../../src/suites.ts';
import { ROOT, cli as run, tmp } from '../run-cli.ts';

const cli = (args: string[], timeoutMs = 60_000) => run(args, { timeoutMs });

describe('rtc-conformance list', () => {
  test.each([['stomp', 'S-', 40], ['oam', 'O-', 40], ['websocketd', 'W-', 50], ['hooks', 'H-', 40]] as const)('--suite %s --json lists enough cases and covers every %s clause', async (suite, prefix, least) => {
    const { code, stdout } = await cli(['list', '--suite', suite, '--json']);
    expect(code).toBe(0);
    const cases = JSON.parse(stdout) as Array<{ id: string; suite: string; clause: string; level: string; title: string; requirement: string }>;
    expect(cases.length).toBeGreaterThanOrEqual(least);
    // `sentences` only on cases that name their spec sentences (S-14, S-15).
    for (const c of cases) expect(Object.keys(c).filter((k) => k !== 'sentences').sort()).toEqual(['clause', 'expected', 'id', 'level', 'requirement', 'suite', 'title']);
    for (const c of cases) expect(c.requirement.length, c.id).toBeGreaterThan(10);
    const covered = new Set(cases.map((c) => c.clause));
    const clauses = [...CLAUSES.keys()].filter((id) => id.startsWith(prefix));
    expect(clauses.filter((id) => !covered.has(id))).toEqual([]);
    expect(cases.every((c) => c.suite === suite)).toBe(true);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
});

describe('the case catalogue (what list reads)', () => {
  test('every describe of a suite file is concurrent or says it is sequential', () => {
    // vitest runs plain describes one after another: a file would take the sum of its groups' longest cases.
    const plain = readdirSync(join(ROOT, 'suites'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => readFileSync(join(ROOT, 'suites', f), 'utf8').split('\n').map((line, i) => ({ where: `suites/${f}:${i + 1}`, line })))
      .filter(({ line }) => /\bdescribe\s*\(/.test(line))
      .map(({ where }) => where);
    expect(plain, 'use describe.concurrent (or describe.sequential with the reason)').toEqual([]);
  });

  test('suites/catalogue.json is current: regenerate it with "npx rtc-conformance list" after changing a case', () => {
    expect(readCatalogue(), 'suites/catalogue.json is stale: run "npx rtc-conformance list" and commit it').toBeDefined();
  });

  test('it holds exactly what vitest collects from the suites', async () => {
    const committed = readCatalogue()!;
    const { createVitest } = await import('vitest/node');
    const vitest = await createVitest('test', { root: ROOT, config: join(ROOT, 'vitest.config.ts'), project: ['suites'], watch: false, reporters: [] });
    try {
      const { testModules } = await vitest.collect([]);
      // Each case in the file vitest collects it from: a --case or --grep run loads only those files (selectedFiles).
      const ids = testModules.flatMap((m) => [...m.children.allTests()].map((t) => (t.meta() as { rtc?: { id: string } }).rtc?.id && `${(t.meta() as { rtc: { id: string } }).rtc.id} ${relative(ROOT, m.moduleId)}`)).filter(Boolean).sort();
      expect(committed.map((c) => `${c.id} ${c.file}`).sort()).toEqual(ids);
    } finally {
      await vitest.close();
    }
  }, 120_000);
});

describe('a --case or --grep run loads only the files of the cases it selects', () => {
  // A stale catalogue fails the test above by name; here it would leave nothing to compare with.
  const committed = readCatalogue() ?? [];
  const fileOf = (id: string) => join(ROOT, (committed.find((c) => c.id === id) ?? expect.fail(`${id} is not in suites/catalogue.json (stale? run "npx rtc-conformance list")`)).file);

  test('the files that declare the selected cases, within the suite, and nothing else', () => {
    expect(selectedFiles({ cases: ['S-1.1'] }, suiteFilters('stomp'))).toEqual([fileOf('S-1.1')]);
    expect(selectedFiles({ cases: ['S-1.1', 'O-1.1'] }, [])!.sort()).toEqual([fileOf('S-1.1'), fileOf('O-1.1')].sort());
    const grep = '^(S-3|S-10|W-2)\\.';
    const expected = [...new Set(committed.filter((c) => new RegExp(grep).test(`${c.id} ${c.title}`)).map((c) => join(ROOT, c.file)))].sort();
    expect(expected.length).toBeGreaterThan(2);
    expect(selectedFiles({ grep }, [])!.sort()).toEqual(expected);
    // The grep matches titles too, as it does for the cases themselves.
    const title = committed.find((c) => c.id === 'O-1.1')!.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(selectedFiles({ grep: title }, [])).toContain(fileOf('O-1.1'));
  });

  test('no narrowing without a selection, outside the suite or when nothing matches (the run then says so)', () => {
    expect(selectedFiles({}, [])).toBeUndefined();
    expect(selectedFiles({ endpoints: ['stomp'] }, [])).toBeUndefined();
    expect(selectedFiles({ cases: ['S-1.1'] }, suiteFilters('oam'))).toBeUndefined();
    expect(selectedFiles({ cases: ['S-99.1'] }, [])).toBeUndefined();
  });

  test('a run of two cases in two suites runs exactly those two', async () => {
    const reports = tmp();
    const r = await cli(['run', '--case', 'S-1.1,O-1.1', '--no-html', '--reports', reports]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')) as { cases: Array<{ id: string; verdict: string }>; phases: Record<string, number> };
    expect(summary.cases.map((c) => `${c.id} ${c.verdict}`).sort()).toEqual(['O-1.1 passed', 'S-1.1 passed']);
    // The phases end in order (bench:run reads them); without HTML the reports' phase is there all the same.
    const { startupMs, collectMs, casesMs, reportsMs, htmlMs } = summary.phases;
    expect(htmlMs).toBeUndefined();
    expect([startupMs, collectMs, casesMs, reportsMs].every((t, i, all) => t > 0 && (i === 0 || t >= all[i - 1])), JSON.stringify(summary.phases)).toBe(true);
  });
});

// Each of these runs the CLI on its own input: they run at once.
describe.concurrent('rtc-conformance usage and target errors exit 2 with a clear message', () => {
  test('a target file that is not JSON', async () => {
    const file = join(tmp(), 'target.json');
    writeFileSync(file, '{ "stomp": ');
    const r = await cli(['run', '--target', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
  });

  test('a target file with a bad field names the field', async () => {
    const file = join(tmp(), 'target.json');
    writeFileSync(file, JSON.stringify({ stomp: { url: 'http://example', limits: { maxHeaders: 'many' } }, colour: 'red' }));
    const r = await cli(['run', '--target', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stomp\.url: must match pattern/);
    expect(r.stderr).toMatch(/stomp\.limits\.maxHeaders: must be integer/);
    expect(r.stderr).toMatch(/must NOT have additional properties "colour"/);
  });

  test('a missing target file', async () => {
    const r = await cli(['run', '--target', '/nonexistent/target.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read target file /nonexistent/target.json: ENOENT');
  });

  test('an unreachable STOMP URL fails fast', async () => {
    const started = Date.now();
    const r = await cli(['run', '--stomp-url', 'ws://127.0.0.1:9/ws', '--no-html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach the STOMP target: cannot open WebSocket ws:\/\/127\.0\.0\.1:9\/ws: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a hook backend that is down fails fast', async () => {
    const r = await cli(['run', '--suite', 'hooks', '--hooks-backend-url', 'http://127.0.0.1:9/apps/echo', '--no-html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot reach the hook backend http://127.0.0.1:9/apps/echo: ECONNREFUSED');
  });

  test('a WCS client WebSocket that refuses fails fast; a bad hooks section names its field', async () => {
    const file = join(tmp(), 'target.json');
    const wcs = [{ url: 'ws://127.0.0.1:9/', settings: { rest_request_timeout: 1, rest_client_request_retry_count: 3, rest_client_request_sent_retry_enabled: true, disable_rest_requests: false } }];
    writeFileSync(file, JSON.stringify({ hooks: { client: { wcs, appKey: 'rtc', listen: { port: 18081 } } } }));
    const r = await cli(['run', '--suite', 'hooks', '--target', file, '--no-html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach the WCS client API: cannot open WebSocket ws:\/\/127\.0\.0\.1:9\/: .*ECONNREFUSED/);
    writeFileSync(file, JSON.stringify({ hooks: { client: { wcs: [{ url: 'ws://x/', settings: { rest_request_timeout: 'soon' } }], appKey: 'rtc', listen: { port: 1 } } } }));
    const bad = await cli(['run', '--suite', 'hooks', '--target', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hooks\.client\.wcs\.0\.settings\.rest_request_timeout: must be number/);
  });

  test('a missing or invalid baseline, --update-baseline without a file, a bad seed', async () => {
    const missing = await cli(['run', '--baseline', '/nonexistent/baseline.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read baseline file /nonexistent/baseline.yaml: ENOENT');
    const file = join(tmp(), 'baseline.yaml');
    writeFileSync(file, 'deviations:\n  - id: S-4.6\n    reason: closes 1011\n');
    const invalid = await cli(['run', '--baseline', file]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("invalid baseline file:\n  deviations.0: must have required property 'owner'");
    const noFile = await cli(['run', '--update-baseline']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('--update-baseline needs --baseline FILE');
    const seed = await cli(['run', '--seed', 'abc']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('--seed: "abc" is not an integer');
  });

  test('an unknown suite, an unknown option, an unknown command', async () => {
    for (const args of [['run', '--suite', 'nope'], ['run', '--colour'], ['frobnicate']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/unknown suite "nope"|Unknown option '--colour'|unknown command "frobnicate"/);
    }
  });
});

describe('rtc-conformance run --each-quirk (the kill matrix\'s runs)', () => {
  test('each quirk alone, in one process: the verdicts of separate --quirk runs, each in reports/<quirk>/', async () => {
    const quirks = ['websocketd.4002-instead-of-4001', 'websocketd.current-ping-unchecked'];
    const reports = tmp();
    const r = await cli(['run', '--suite', 'websocketd', '--grep', 'W-(3|6|12)\\.', '--seed', '3', '--each-quirk', quirks.join(','), '--reports', reports], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL +\[websocketd\.4002-instead-of-4001\] W-3\.1 /);
    expect(existsSync(join(reports, 'allure-results'))).toBe(false);
    const verdictsOf = (dir: string) => Object.fromEntries((JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).cases as Array<{ id: string; verdict: string }>).map((c) => [c.id, c.verdict]));
    const alone = quirks.map(() => tmp());
    // The other quirk's own profile (wazo-current) comes with it, as in the batch.
    const profile = (quirk: string) => (quirk.startsWith('websocketd.current-') ? ['--profile', 'wazo-current'] : []);
    await Promise.all(quirks.map((quirk, i) => cli(['run', '--suite', 'websocketd', '--grep', 'W-(3|6|12)\\.', '--seed', '3', '--quirk', quirk, ...profile(quirk), '--no-html', '--reports', alone[i]], 120_000)));
    for (const [i, quirk] of quirks.entries()) {
      const batch = verdictsOf(join(reports, quirk));
      expect(batch, quirk).toEqual(verdictsOf(alone[i]));
      expect(Object.values(batch).filter((v) => v === 'failed').length, quirk).toBeGreaterThan(0);
      expect(readFileSync(join(reports, quirk, 'junit.xml'), 'utf8')).toContain('<testsuite');
    }
    // The two quirks break different cases: neither project ran against the other's servers.
    expect(verdictsOf(join(reports, quirks[0]))).not.toEqual(verdictsOf(join(reports, quirks[1])));
  });

  test('usage errors: an unknown quirk, a quirk named twice, with --quirk, --profile or a real target', async () => {
    for (const [args, message] of [
      [['--each-quirk', 'stomp.nope'], '--each-quirk: unknown quirk stomp.nope'],
      [['--each-quirk', 'stomp.refuse-crlf,stomp.refuse-crlf'], '--each-quirk: a quirk is named twice'],
      [['--each-quirk', 'stomp.refuse-crlf', '--quirk', 'stomp.trim-header-values'], 'not with --quirk'],
      [['--each-quirk', 'stomp.refuse-crlf', '--profile', 'wazo-v2'], 'not with --profile'],
      [['--each-quirk', 'stomp.refuse-crlf', '--stomp-url', 'ws://127.0.0.1:9/ws'], 'not with a real target'],
    ] as Array<[string[], string]>) {
      const r = await cli(['run', ...args], 30_000);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });
});

describe('rtc-conformance run', () => {
  test('against the reference server: progress, summary.json, junit.xml, single-file HTML report, exit 0', async () => {
    const reports = tmp();
    const r = await cli(['run', '--suite', 'stomp', '--grep', 'S-(1|8)\\.', '--reports', reports], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS +S-1\.1 +MUST/);
    expect(r.stdout).toMatch(/protocol +passed +failed +non-strict +info +skipped +broken/);
    const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8'));
    expect(summary.cases.map((c: { id: string }) => c.id)).toEqual(['S-1.1', 'S-1.2', 'S-1.3', 'S-1.4', 'S-1.5', 'S-8.1', 'S-8.2', 'S-8.3', 'S-8.4', 'S-8.5', 'S-8.6']);
    for (const c of summary.cases) {
      // S-8.6 (the server closes after DISCONNECT) is INFO: no STOMP 1.2 sentence makes the server close.
      expect(c).toMatchObject(c.id === 'S-8.6' ? { suite: 'stomp', level: 'INFO', verdict: 'info' } : { suite: 'stomp', level: 'MUST', verdict: 'passed' });
      expect(c.durationMs).toBeTypeOf('number');
    }
    expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toContain('S-8.5 DISCONNECT with receipt');
    const html = readFileSync(join(reports, 'allure-report', 'index.html'), 'utf8');
    expect(html.length).toBeGreaterThan(100_000);
    expect(existsSync(join(reports, 'allure-results'))).toBe(true);
  });

  test('websocketd in the wazo-v2 profile: the W-12 cases run and find no deviation', async () => {
    const reports = tmp();
    const r = await cli(['run', '--suite', 'websocketd', '--profile', 'wazo-v2', '--grep', 'W-12\\.', '--no-html', '--reports', reports], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8'));
    expect(summary.cases.map((c: { id: string }) => c.id)).toEqual(['W-12.1', 'W-12.2', 'W-12.3', 'W-12.4', 'W-12.5']);
    for (const c of summary.cases) expect(c).toMatchObject({ verdict: 'info' }), expect(c.message).toBeUndefined();
  });

  test('verdict levels: a SHOULD deviation is non-strict (exit 0) and fails only with --strict; Allure labels and environment say so', async () => {
    const reports = tmp();
    const lenient = await cli(['run', '--suite', 'oam', '--grep', 'O-9\\.', '--quirk', 'oam.no-cors', '--seed', '42', '--no-html', '--reports', reports], 120_000);
    expect(lenient.code, lenient.stdout + lenient.stderr).toBe(0);
    expect(lenient.stdout).toMatch(/WARN +O-9\.1 +SHOULD/);
    const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe(42);
    expect(summary.totals).toMatchObject({ 'non-strict': 3, failed: 0 });
    const results = readdirSync(join(reports, 'allure-results')).filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(join(reports, 'allure-results', f), 'utf8')) as { status: string; statusDetails: { message?: string }; labels: Array<{ name: string; value: string }> });
    expect(results).toHaveLength(3);
    for (const r of results) {
      // Not green: a SHOULD deviation is `unknown` in Allure, with its Expected/Actual on the case itself.
      expect(r.status).toBe('unknown');
      expect(r.statusDetails.message).toMatch(/Expected: [\s\S]*\nActual: /);
      expect(r.labels.slice(0, 3).map((l) => l.name)).toEqual(['level', 'clause', 'verdict']);
      expect(r.labels).toEqual(expect.arrayContaining([{ name: 'verdict', value: 'non-strict' }, { name: 'level', value: 'SHOULD' }]));
    }
    const env = readFileSync(join(reports, 'allure-results', 'environment.properties'), 'utf8');
    for (const key of ['harness', 'target', 'profile', 'seed', 'quirks']) expect(env).toMatch(new RegExp(`^${key}=`, 'm'));
    expect(env).toMatch(/^seed=42$/m);
    const strict = await cli(['run', '--suite', 'oam', '--grep', 'O-9\\.1', '--quirk', 'oam.no-cors', '--strict', '--no-html', '--reports', tmp()], 120_000);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/FAIL +O-9\.1 +SHOULD/);
  });

  test('--update-baseline writes the deviations of a run; the next runs judge against it (known, then stale); history accumulates', async () => {
    const reports = tmp();
    const baseline = join(tmp(), 'baseline.yaml');
    const broken = await cli(['run', '--suite', 'oam', '--grep', 'O-4\\.2', '--quirk', 'oam.wrong-content-type', '--baseline', baseline, '--update-baseline', '--owner', 'qa-team', '--reports', reports], 120_000);
    expect(broken.code, broken.stdout + broken.stderr).toBe(0);
    const written = parse(readFileSync(baseline, 'utf8'));
    expect(written.deviations).toEqual([{ id: 'O-4.2', reason: expect.stringContaining('text/plain'), owner: 'qa-team' }]);
    const againReports = tmp();
    const again = await cli(['run', '--suite', 'oam', '--grep', 'O-4\\.2', '--quirk', 'oam.wrong-content-type', '--baseline', baseline, '--reports', againReports], 120_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('1 known, 0 new, 0 stale, 0 expired');
    // The single-file report embeds its data files base64-encoded; the category filter lists the categories in use.
    const html = readFileSync(join(againReports, 'allure-report', 'index.html'), 'utf8');
    const filters = JSON.parse(Buffer.from(/tree-filters\.json","([A-Za-z0-9+/=]+)"/.exec(html)![1], 'base64').toString('utf8'));
    expect(filters.categories).toEqual(['Known deviations (baseline)']);
    const fixed = await cli(['run', '--suite', 'oam', '--grep', 'O-4\\.2', '--baseline', baseline, '--reports', reports], 120_000);
    expect(fixed.code).toBe(1);
    expect(fixed.stdout).toContain('STALE   O-4.2: passes now');
    // Both HTML generations appended to the same history file: the report shows the trend.
    expect(readFileSync(join(reports, 'allure-history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
