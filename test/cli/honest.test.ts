import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { startWebsocketd, type RunningWebsocketd } from '../../mocks/websocketd/server.ts';
import { VERDICTS, type RunSummary } from '../../src/report/summary.ts';
import { BIN, ROOT, cli, readSummary, tmp } from '../run-cli.ts';

/**
 * Issue 12: every number the harness prints, writes or renders means the same thing, and only what the user named is
 * reported as the target's. Each test here failed on the code before that issue.
 */
let stomp: RunningOamServer;
let websocketd: RunningWebsocketd;
let echo: WebSocketServer;
let echoUrl: string;

beforeAll(async () => {
  stomp = await startOamServer({ tls: false });
  websocketd = await startWebsocketd({});
  echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echo.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
  await new Promise((r) => echo.once('listening', r));
  echoUrl = `ws://127.0.0.1:${(echo.address() as { port: number }).port}/`;
});
afterAll(async () => {
  await Promise.all([stomp.close(), websocketd.close(), new Promise((r) => echo.close(r))]);
});

/** The console's `total` row as verdict → count. */
function consoleTotals(stdout: string): Record<string, number> {
  const head = stdout.split('\n').find((l) => /^protocol +passed/.test(l))!.trim().split(/\s+/).slice(1);
  const total = stdout.split('\n').find((l) => /^total\s/.test(l))!.trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(head.map((v, i) => [v, total[i]]));
}

/** JUnit testcases by the verdict property each carries. */
function junitVerdicts(reports: string): Record<string, number> {
  const xml = readFileSync(join(reports, 'junit.xml'), 'utf8');
  const counts: Record<string, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  for (const m of xml.matchAll(/<property name="verdict" value="([^"]+)"\/>/g)) counts[m[1]]++;
  expect(xml.match(/<testcase /g)?.length ?? 0).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
  return counts;
}

/** Allure results by verdict label; every status as the verdict maps to it. */
function allureVerdicts(reports: string): Record<string, number> {
  const dir = join(reports, 'allure-results');
  const counts: Record<string, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  const status: Record<string, string[]> = { passed: ['passed'], failed: ['failed'], broken: ['broken'], skipped: ['skipped'], 'non-strict': ['unknown'], info: ['passed', 'unknown'] };
  for (const f of readdirSync(dir).filter((f) => f.endsWith('-result.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { status: string; labels: Array<{ name: string; value: string }> };
    const verdict = r.labels.find((l) => l.name === 'verdict')!.value;
    counts[verdict]++;
    expect(status[verdict]).toContain(r.status);
  }
  return counts;
}

function expectOneSetOfNumbers(stdout: string, reports: string): RunSummary {
  const summary = readSummary(reports);
  const fromSummary = Object.fromEntries(VERDICTS.map((v) => [v, summary.cases.filter((c) => c.verdict === v).length]));
  expect(summary.totals).toEqual(fromSummary);
  expect(consoleTotals(stdout)).toEqual(fromSummary);
  expect(junitVerdicts(reports)).toEqual(fromSummary);
  expect(allureVerdicts(reports)).toEqual(fromSummary);
  return summary;
}

describe('1. only what the user named is the target', () => {
  test('--stomp-url runs only the stomp suite; console, summary.json, JUnit and Allure count the same cases, all the target\'s', async () => {
    const reports = tmp();
    const r = await cli(['run', '--stomp-url', stomp.stompUrl, '--no-html', '--reports', reports]);
    expect(r.code, r.out).toBe(0);
    const summary = expectOneSetOfNumbers(r.stdout, reports);
    expect(summary.cases.length).toBeGreaterThan(60);
    expect(new Set(summary.cases.map((c) => c.suite))).toEqual(new Set(['stomp']));
    expect(summary.cases.every((c) => c.target === 'real')).toBe(true);
    expect(summary.target).toBe(stomp.stompUrl);
  }, 180_000);

  test('--with-reference runs the other suites against the reference servers, counted apart; the hook client role is never labelled real', async () => {
    const reports = tmp();
    const r = await cli(['run', '--stomp-url', stomp.stompUrl, '--with-reference', '--suite', 'hooks', '--no-html', '--reports', reports]);
    expect(r.code, r.out).toBe(0);
    const summary = readSummary(reports);
    expect(summary.cases.every((c) => c.suite === 'hooks' && c.target === 'reference')).toBe(true);
    const backend = await cli(['run', '--hooks-backend-url', 'http://127.0.0.1:9/x', '--suite', 'oam']);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/the target names hooks-backend, and the oam suite tests none of them; add --with-reference/);
  }, 180_000);
});

describe('2. a pre-flight per protocol', () => {
  test('a websocketd given as a STOMP URL is a target error that says what it looks like', async () => {
    const r = await cli(['run', '--stomp-url', websocketd.url.replace('wss:', 'wss:'), '--insecure', '--no-html', '--reports', tmp()]);
    expect(r.code, r.out).toBe(2);
    expect(r.stderr).toMatch(/not a STOMP server: CONNECT was answered by a close with 4001.*looks like a Wazo websocketd/);
  });

  test('a plain WebSocket echo given as a STOMP URL is a target error naming what came', async () => {
    const r = await cli(['run', '--stomp-url', echoUrl, '--no-html', '--reports', tmp()]);
    expect(r.code, r.out).toBe(2);
    expect(r.stderr).toMatch(/not a STOMP server: CONNECT was answered by "CONNECT /);
  });

  test('a STOMP server that names no subprotocol is tested, without one', async () => {
    const quiet = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => false });
    const upstream = stomp.stompUrl;
    // A proxy that drops the subprotocol, as many do in front of a broker.
    const { default: WebSocket } = await import('ws');
    quiet.on('connection', (client) => {
      const server = new WebSocket(upstream, ['v12.stomp']);
      const queue: Array<[Buffer, boolean]> = [];
      server.on('open', () => queue.splice(0).forEach(([m, b]) => server.send(m, { binary: b })));
      client.on('message', (m: Buffer, b: boolean) => (server.readyState === WebSocket.OPEN ? server.send(m, { binary: b }) : queue.push([m, b])));
      server.on('message', (m: Buffer, b: boolean) => client.send(m, { binary: b }));
      server.on('close', () => client.close());
      server.on('error', () => client.terminate());
      // terminate, not close: the upstream may still be connecting when the client goes.
      client.on('close', () => server.terminate());
    });
    await new Promise((r) => quiet.once('listening', r));
    const url = `ws://127.0.0.1:${(quiet.address() as { port: number }).port}/ws`;
    const r = await cli(['run', '--stomp-url', url, '--case', 'S-1.1,S-8.1', '--no-html', '--reports', tmp()]);
    await new Promise((done) => quiet.close(done));
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toMatch(/names no WebSocket subprotocol/);
  });

  test('a TLS certificate the harness refuses suggests --insecure', async () => {
    const tls = await startOamServer({ tls: true });
    const r = await cli(['run', '--stomp-url', tls.stompUrl, '--no-html', '--reports', tmp()]);
    await tls.close();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --insecure/);
  });
});

describe('3. every exit writes reports', () => {
  test('an unreachable target: exit 2, summary.json with the error, a JUnit file with one errored testcase', async () => {
    const reports = tmp();
    const r = await cli(['run', '--stomp-url', 'ws://127.0.0.1:9/ws', '--reports', reports]);
    expect(r.code).toBe(2);
    const summary = readSummary(reports);
    expect(summary.error).toMatch(/cannot reach the STOMP target: .*ECONNREFUSED/);
    expect(summary.cases).toEqual([]);
    const xml = readFileSync(join(reports, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*tests="1" failures="0" errors="1"/);
    expect(xml).toMatch(/<error message="cannot reach the STOMP target/);
  });
});

describe('4. four views, one count', () => {
  test('with a MUST and a SHOULD quirk: console, summary.json, JUnit and Allure agree on every verdict; only cases that ran are listed', async () => {
    const reports = tmp();
    const r = await cli(['run', '--suite', 'oam', '--grep', '^O-(4|9)\\.', '--quirk', 'oam.no-cors', '--quirk', 'oam.wrong-content-type', '--no-html', '--reports', reports]);
    expect(r.code, r.out).toBe(1);
    const summary = expectOneSetOfNumbers(r.stdout, reports);
    expect(summary.totals['non-strict']).toBeGreaterThan(0);
    expect(summary.totals.failed).toBeGreaterThan(0);
    expect(summary.cases.every((c) => /^O-(4|9)\./.test(c.id))).toBe(true);
    const xml = readFileSync(join(reports, 'junit.xml'), 'utf8');
    expect(xml).not.toContain('<skipped/>');
    // classname protocol.clause, name "id title", failure message = Expected/Actual, system-out = the transcript.
    expect(xml).toMatch(/<testcase classname="oam\.O-4" name="O-4\.\d+ [^"]+" time="[\d.]+">/);
    expect(xml).toMatch(/<failure message="[^"]*Expected: [^"]*&#10;Actual: /);
    expect(xml).toMatch(/<system-out>[\s\S]*&gt;&gt; /);
    expect(xml).toMatch(/<system-out>NON-STRICT \(SHOULD deviation/);
  }, 120_000);
});

describe('6. interrupts', () => {
  for (const [signal, group] of [['SIGINT', false], ['SIGTERM', false], ['SIGINT', true]] as const) {
    test(`${signal} to the ${group ? 'process group' : 'CLI'}: exit 130 within seconds, exactly the cases that finished, reports marked interrupted`, async () => {
      const reports = tmp();
      const child = spawn(process.execPath, [BIN, 'run', '--no-html', '--reports', reports], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      const finished = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (d) => {
          out += d;
          if ((out.match(/^ *\d+\/≥?\d+ /gm) ?? []).length >= 5) resolve();
        });
      });
      const sent = Date.now();
      process.kill(group ? -child.pid! : child.pid!, signal);
      const code = await finished;
      expect(code).toBe(130);
      expect(Date.now() - sent).toBeLessThan(8_000);
      const summary = readSummary(reports);
      expect(summary.interrupted).toBe(true);
      const ids = summary.cases.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThan(200);
      // Every case reported is one the console saw finish; none was invented for the cases that never ran.
      for (const id of ids) expect(out).toMatch(new RegExp(` ${id.replace(/\./g, '\\.')} `));
      expect(summary.cases.filter((c) => c.verdict === 'broken')).toEqual([]);
      expect(readFileSync(join(reports, 'junit.xml'), 'utf8').match(/<testcase /g)?.length).toBe(ids.length);
      expect(out).not.toMatch(/Worker forks emitted error/);
    }, 120_000);
  }
});

describe('7. selection', () => {
  test('--grep matches "id title" only; --case selects exact ids; a selection that matches nothing exits 2 saying so', async () => {
    const anchored = await cli(['run', '--suite', 'stomp', '--grep', '^S-9\\.1', '--no-html', '--reports', tmp()]);
    const ids = (anchored.stdout.match(/ S-9\.\d+ /g) ?? []).map((s) => s.trim());
    expect(anchored.code, anchored.out).toBe(0);
    expect(ids.length).toBeGreaterThan(1);
    expect(ids.every((id) => /^S-9\.1\d*$/.test(id))).toBe(true);
    // A describe name ("S-9 frames the server cannot process", …) is not matched: only "id title".
    const describe = await cli(['run', '--suite', 'stomp', '--grep', 'cannot process', '--no-html', '--reports', tmp()]);
    expect(describe.code).toBe(2);
    expect(describe.stderr).toMatch(/no case matches --grep "cannot process"/);
    const exact = await cli(['run', '--suite', 'stomp', '--case', 'S-9.1', '--no-html', '--reports', tmp()]);
    expect((exact.stdout.match(/ S-9\.\d+ /g) ?? []).map((s) => s.trim())).toEqual(['S-9.1']);
    const none = await cli(['run', '--case', 'S-99.1', '--no-html', '--reports', tmp()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no case matches --case S-99\.1/);
  }, 180_000);
});

describe('8. the small things', () => {
  test('every command has its own --help; list shows clause text and quirks', async () => {
    for (const command of ['run', 'list', 'mock', 'report']) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: rtc-conformance ${command}`));
      expect(r.stdout).toMatch(/--help/);
    }
    expect((await cli(['run', '--help'])).stdout).toMatch(/--case ID\[,ID…\]/);
    const list = await cli(['list', '--suite', 'stomp']);
    expect(list.stdout).toMatch(/^S-8 \[MUST\] A client frame with a `receipt` header/m);
    const quirks = await cli(['list', '--quirks']);
    expect(quirks.stdout).toMatch(/^stomp\.no-close-after-error +S-9 /m);
    expect(quirks.stdout).toMatch(/\d+ quirks/);
  });

  test('a baseline-known failure prints as KNOWN; the recap gives each failure its Actual line and a rerun command', async () => {
    const dir = tmp();
    const baseline = join(dir, 'baseline.yaml');
    writeFileSync(baseline, 'deviations:\n  - id: O-4.2\n    reason: known wrong content-type\n    owner: qa\n');
    const r = await cli(['run', '--suite', 'oam', '--case', 'O-4.2,O-4.3', '--quirk', 'oam.wrong-content-type', '--baseline', baseline, '--no-html', '--reports', join(dir, 'r')]);
    expect(r.stdout).toMatch(/KNOWN O-4\.2 /);
    expect(r.stdout).toMatch(/not passed \(\d+\):\n {2}KNOWN +O-4\.2 [^\n]+\n +[^\n]+\n +rerun: npx rtc-conformance run --quirk oam\.wrong-content-type --case O-4\.2/);
    expect(existsSync(join(dir, 'r', 'summary.json'))).toBe(true);
  }, 120_000);
});
