import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REFERENCE_USERS } from '../../mocks/websocketd/auth.ts';
import { RecordingHttp } from '../../src/transport/http-client.ts';
import { Transcript } from '../../src/transport/transcript.ts';
import { RecordingWebSocket } from '../../src/transport/ws-client.ts';
import { startMockProcess, type MockProcess } from '../websocketd/mock-process.ts';

/**
 * Issue 13 point 5, websocketd: a hostile client cannot grow the reference websocketd without bound. It runs in its
 * own process (`rtc-conformance mock`, loopback, free ports); 50 MiB messages (whole and fragmented) are refused with
 * close 1009 (its WebSocket message limit, `maxMessageBytes`, 1 MiB by default), oversized and too many
 * subscription names with close 4004 (`maxEventNameBytes` 256, `maxSubscriptions` 1000 per connection). Its RSS,
 * sampled every 50 ms, stays under 150 MB above idle, and a good client is served afterwards.
 */
const MIB = 1024 * 1024;
const BOUND_MB = 150;
let mock: MockProcess;
const http = new RecordingHttp(new Transcript('hostile: wazo-auth'), true);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function token(): Promise<string> {
  const basic = Buffer.from(`full:${REFERENCE_USERS.full.password}`).toString('base64');
  const r = await http.post(`${mock.authUrl}/0.1/token`, { expiration: 300 }, { authorization: `Basic ${basic}` });
  return (r.json as { data: { token: string } }).data.token;
}

async function opened(): Promise<RecordingWebSocket> {
  const ws = await RecordingWebSocket.open(`${mock.url}?token=${await token()}`, { insecure: true }, 'hostile');
  expect(JSON.parse((await ws.next(5000))!.data.toString()).op).toBe('init');
  return ws;
}

beforeAll(async () => {
  mock = await startMockProcess(['--profile', 'documented']);
}, 60_000);
afterAll(() => mock?.stop());

test('50 MiB messages and huge or countless subscriptions: bounded RSS, then a good client is served', async () => {
  const pid = mock.child.pid!;
  await new Promise((r) => setTimeout(r, 500));
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const closes: number[] = [];
  try {
    // 50 MiB in one message, four connections at once.
    const big = Buffer.alloc(50 * MIB, 0x61);
    big.write('{"op":"subscribe","data":{"event_name":"');
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const ws = await opened();
        ws.send(big, { binary: false });
        closes.push((await ws.waitClosed(20_000))?.code ?? -1);
      }),
    );
    // 50 MiB in 1 MiB fragments of one message.
    {
      const ws = await opened();
      const raw = (ws as unknown as { ws: { send(d: Buffer, o: object, cb?: (e?: Error) => void): void } }).ws;
      const chunk = Buffer.alloc(MIB, 0x61);
      for (let i = 0; i < 50 && ws.isOpen; i++) raw.send(chunk, { fin: i === 49, binary: false }, () => undefined);
      closes.push((await ws.waitClosed(20_000))?.code ?? -1);
    }
    // Subscription names of 512 KiB (under the message limit), and 2,000 distinct names per connection.
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const ws = await opened();
        ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: `${k}`.padEnd(512 * 1024, 'n') } }));
        closes.push((await ws.waitClosed(10_000))?.code ?? -1);
      }),
    );
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const ws = await opened();
        for (let i = 0; i < 2000 && ws.isOpen; i++) ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: `c${k}_${i}_`.padEnd(200, 'x') } }));
        closes.push((await ws.waitClosed(10_000))?.code ?? -1);
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    clearInterval(sampler);
  }
  process.stdout.write(`hostile websocketd: idle RSS ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (+${(peak - idle).toFixed(0)} MB); closes ${closes.join(',')}\n`);
  expect(closes.slice(0, 5)).toEqual([1009, 1009, 1009, 1009, 1009]);
  expect(closes.slice(5)).toEqual(Array(16).fill(4004));
  expect(peak - idle, `peak RSS ${peak.toFixed(0)} MB, idle ${idle.toFixed(0)} MB`).toBeLessThan(BOUND_MB);

  // A good client afterwards: init, subscribe, start, and an event from the bus.
  const ws = await opened();
  ws.send(JSON.stringify({ op: 'subscribe', data: { event_name: 'after_the_storm' } }));
  expect(JSON.parse((await ws.next(5000))!.data.toString())).toEqual({ op: 'subscribe', code: 0, msg: '' });
  ws.send(JSON.stringify({ op: 'start' }));
  expect(JSON.parse((await ws.next(5000))!.data.toString())).toEqual({ op: 'start', code: 0, msg: '' });
  const body = JSON.stringify({ name: 'after_the_storm', required_acl: null, data: { ok: true } });
  await http.send('POST', mock.publishUrl, { headers: { 'content-type': 'application/json' }, body });
  expect((await ws.next(5000))?.data.toString()).toBe(body);
  await ws.close();
}, 120_000);
