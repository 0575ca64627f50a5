import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { StompParser, header, serialize } from '../../src/stomp/index.ts';
import type { CaseResult } from '../../src/report/summary.ts';
import { runWithSummary, tmp } from '../run-cli.ts';

/**
 * Issue 12 point 5: a server that answers CONNECT with a correct CONNECTED and then says nothing (or only heart-beats)
 * must not pass cases that need more. Only the cases whose clause that CONNECTED fully shows may pass.
 */
function silentServer(heartBeatMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
  wss.on('connection', (ws) => {
    let connected = false;
    let beat: NodeJS.Timeout | undefined;
    const parser = new StompParser({
      onFrame: (f) => {
        if (connected || (f.command !== 'CONNECT' && f.command !== 'STOMP')) return;
        if (!(header(f, 'accept-version') ?? '').split(',').includes('1.2')) return;
        connected = true;
        ws.send(serialize({ command: 'CONNECTED', headers: { version: '1.2', 'heart-beat': `${heartBeatMs},0`, server: 'silent/1.0' } }).toString('utf8'));
        // Beats at a fifth of the declared interval (a server may beat more often than it must): a stall of this
        // test process under load does not open a gap the client would rightly count against it.
        if (heartBeatMs) beat = setInterval(() => ws.send('\n'), heartBeatMs / 5);
      },
      onError: () => {},
    }, { mode: 'lenient' });
    ws.on('message', (data: Buffer) => parser.push(data));
    ws.on('close', () => clearInterval(beat));
  });
  return new Promise((resolve) =>
    wss.on('listening', () =>
      resolve({
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
        close: () => new Promise((done) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => done());
        }),
      }),
    ),
  );
}

/** The cases such a CONNECTED satisfies on its own, and why (quoted in the closing note). */
const SHOWN_BY_CONNECTED: Record<string, string> = {
  'S-1.1': 'CONNECT accept-version:1.2 is answered by CONNECTED version:1.2: the whole clause',
  'S-1.2': 'STOMP is answered like CONNECT, by the same CONNECTED',
  'S-1.3': 'accept-version:1.0,1.1,1.2 is answered by version:1.2',
  'S-1.4': 'the first frame is CONNECTED',
  'S-1.5': 'a CONNECT whose header holds a backslash sequence is answered by CONNECTED',
  'S-3.2': 'a CONNECT written with CRLF is answered by CONNECTED',
  'S-10.1': 'CONNECTED carries heart-beat:<int>,<int>',
  'S-9.6': 'a SEND before CONNECT may be ignored (the spec lets the server refuse or not); the CONNECT after it is answered by CONNECTED, so the session is still served',
};
/** INFO cases whose observation the handshake and CONNECTED make complete (subprotocol, message type). */
const INFO_SHOWN = ['S-12.1', 'S-12.2', 'S-12.7'];

async function runAgainst(heartBeatMs: number): Promise<{ code: number | null; cases: CaseResult[] }> {
  const server = await silentServer(heartBeatMs);
  try {
    const file = join(tmp('rtc-silent-'), 'target.json');
    writeFileSync(file, JSON.stringify({ name: 'silent', stomp: { url: server.url, timeouts: { responseMs: 400, closeMs: 200, quietMs: 100 } } }));
    const { code, summary } = await runWithSummary(['run', '--target', file, '--suite', 'stomp', '--no-html', '--seed', '1'], { timeoutMs: 200_000 });
    return { code, cases: summary.cases };
  } finally {
    await server.close();
  }
}

function judge(cases: CaseResult[], extraPassed: string[], otherwise: Record<string, RegExp> = {}): void {
  const passed = cases.filter((c) => c.verdict === 'passed').map((c) => c.id);
  const why = extraPassed.map((id) => cases.find((c) => c.id === id)).filter((c) => c && c.verdict !== 'passed').map((c) => `${c!.id} ${c!.verdict}: ${c!.message}`);
  expect(passed.sort(), why.join('\n')).toEqual([...Object.keys(SHOWN_BY_CONNECTED), ...extraPassed].sort());
  const info = cases.filter((c) => c.verdict === 'info' && !c.message).map((c) => c.id);
  expect(info.sort()).toEqual([...INFO_SHOWN].sort());
  // An INFO case that was judged records what it saw; one that could not be (broken, skipped) says why instead.
  for (const c of cases.filter((x) => x.level === 'INFO' && x.verdict === 'info')) expect(Object.keys(c.measurements ?? {}).length + (c.observation ? 1 : 0), `${c.id} records what it saw`).toBeGreaterThan(0);
  for (const c of cases.filter((x) => x.level === 'INFO' && x.verdict !== 'info')) expect(c.message, `${c.id} says why it was not judged`).toBeTruthy();
  // Skipped only where the target declared nothing to judge (no limits; S-10.2 with no server heart-beats).
  const skipped = cases.filter((c) => c.verdict === 'skipped').map((c) => c.id);
  expect(skipped.filter((id) => !id.startsWith('S-11.') && id !== 'S-10.2')).toEqual([]);
  const rest = cases.filter((c) => !passed.includes(c.id) && !skipped.includes(c.id) && !(c.verdict === 'info' && !c.message));
  for (const c of rest) {
    expect(['failed', 'broken', 'non-strict', 'info'], c.id).toContain(c.verdict);
    expect(c.message, `${c.id} (${c.verdict}) says the server went silent`).toMatch(otherwise[c.id] ?? /went silent/);
  }
}

describe('a server that answers CONNECT and then says nothing', () => {
  let silent: Awaited<ReturnType<typeof runAgainst>>;
  let beating: Awaited<ReturnType<typeof runAgainst>>;
  beforeAll(async () => {
    [silent, beating] = await Promise.all([runAgainst(0), runAgainst(50)]);
  }, 240_000);

  test('silent: exit 1; only the cases CONNECTED shows pass; every other case fails or is broken saying the server went silent', () => {
    expect(silent.code).toBe(1);
    judge(silent.cases, []);
    for (const id of ['S-7.7', 'S-13.2', 'S-10.3', 'S-10.5', 'S-13.1']) expect(silent.cases.find((c) => c.id === id)?.verdict, id).not.toBe('passed');
  });

  test('heart-beats only: exit 1; S-10.2 passes besides (the heart-beats are what it asserts), nothing else', () => {
    expect(beating.code).toBe(1);
    // S-10.3 fails for what it asserts: the server heart-beats although the client asked for none.
    judge(beating.cases, ['S-10.2'], { 'S-10.3': /Expected: no heart-beat EOLs\nActual: +\d+ EOLs/ });
    expect(beating.cases.find((c) => c.id === 'S-7.7')?.verdict).not.toBe('passed');
  });
});
