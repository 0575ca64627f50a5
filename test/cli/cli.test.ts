import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CLAUSES } from '../../src/clauses.ts';

const BIN = fileURLToPath(new URL('../../bin/rtc-conformance.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rtc-cli-'));

describe('rtc-conformance list', () => {
  test.each([['stomp', 'S-', 40], ['oam', 'O-', 40], ['websocketd', 'W-', 50], ['hooks', 'H-', 40]] as const)('--suite %s --json lists enough cases and covers every %s clause', async (suite, prefix, least) => {
    const { code, stdout } = await cli(['list', '--suite', suite, '--json']);
    expect(code).toBe(0);
    const cases = JSON.parse(stdout) as Array<{ id: string; suite: string; clause: string; level: string; title: string }>;
    expect(cases.length).toBeGreaterThanOrEqual(least);
    for (const c of cases) expect(Object.keys(c).sort()).toEqual(['clause', 'id', 'level', 'suite', 'title']);
    const covered = new Set(cases.map((c) => c.clause));
    const clauses = [...CLAUSES.keys()].filter((id) => id.startsWith(prefix));
    expect(clauses.filter((id) => !covered.has(id))).toEqual([]);
    expect(cases.every((c) => c.suite === suite)).toBe(true);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
});

describe('rtc-conformance usage and target errors exit 2 with a clear message', () => {
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

  test('an unknown suite, an unknown option, an unknown command', async () => {
    for (const args of [['run', '--suite', 'nope'], ['run', '--colour'], ['frobnicate']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/unknown suite "nope"|Unknown option '--colour'|unknown command "frobnicate"/);
    }
  });
});

describe('rtc-conformance run', () => {
  test('against the reference server: progress, summary.json, junit.xml, single-file HTML report, exit 0', async () => {
    const reports = tmp();
    const r = await cli(['run', '--suite', 'stomp', '--grep', 'S-(1|8)\\.', '--reports', reports], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS S-1\.1 +MUST/);
    expect(r.stdout).toMatch(/protocol +passed +failed +non-strict +info +skipped +broken/);
    const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8'));
    expect(summary.cases.map((c: { id: string }) => c.id)).toEqual(['S-1.1', 'S-1.2', 'S-1.3', 'S-1.4', 'S-1.5', 'S-8.1', 'S-8.2', 'S-8.3', 'S-8.4', 'S-8.5', 'S-8.6']);
    for (const c of summary.cases) {
      expect(c).toMatchObject({ suite: 'stomp', level: 'MUST', verdict: 'passed' });
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
});
