import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { peakDuring, serveReference, type ServedReference } from './reference.ts';

/**
 * Hostile peers against the reference STOMP server (issue 13), each bounded in count and time, loopback only. The
 * server runs in a process of its own; its RSS is sampled while the peers work, and a good client must be served
 * afterwards. Bounds under test (mocks/oam/stomp-connection.ts): 4 MiB queued for a client that does not read, a
 * 64 MiB budget and a deadline for incomplete frames, stomp_max_timeout for connections that never CONNECT.
 */
const MiB = 1024 * 1024;
let server: ServedReference;
let url: string;
let idleMb: number;

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v12.stomp']);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The server closes the connection within `ms` (a bound of the test itself: it never waits for ever). */
function closed(ws: WebSocket, ms = 30_000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`the server left a connection open for ${ms} ms`))), ms);
    ws.once('close', () => (clearTimeout(timer), resolve()));
  });
}

/** Frames a text message holds, by command. */
function commands(data: WebSocket.RawData): string[] {
  return String(data).split('\0').map((f) => f.replace(/^[\r\n]+/, '').split('\n')[0]).filter(Boolean);
}

async function connect(ws: WebSocket): Promise<void> {
  const got = new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('close', (code) => reject(new Error(`the server closed with ${code} before CONNECTED`)));
  });
  ws.send('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
  await got;
}

/** A good client: CONNECT, SUBSCRIBE with a receipt, SEND, and the MESSAGE comes back. */
async function goodClientServed(): Promise<boolean> {
  const ws = await open();
  const seen: string[] = [];
  ws.on('message', (d) => seen.push(...commands(d)));
  await connect(ws);
  ws.send('SUBSCRIBE\nid:0\ndestination:/topic/good\nreceipt:r1\n\n\0');
  ws.send('SEND\ndestination:/topic/good\n\nhello\0');
  for (let i = 0; i < 100 && !seen.includes('MESSAGE'); i++) await new Promise((r) => setTimeout(r, 20));
  ws.terminate();
  return seen.includes('RECEIPT') && seen.includes('MESSAGE');
}

async function inBatches<T>(count: number, size: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => one(i + j)))));
  return out;
}

beforeAll(async () => {
  server = await serveReference('stomp', { INCOMPLETE_FRAME_MS: '1000' });
  url = server.urls.stompUrl;
  expect(await goodClientServed()).toBe(true);
  idleMb = server.rssMb();
});
afterAll(() => server.stop());

function report(what: string, peak: number): void {
  process.stdout.write(`hostile stomp, ${what}: reference peak RSS ${peak} MB (idle ${Math.round(idleMb)} MB)\n`);
}

describe('hostile peers cannot take the reference STOMP server down', () => {
  test('1,000,000 malformed frames over 100 connections: every connection gets ERROR and is closed; memory bounded', async () => {
    const frames = 'SEND\nno colon here\n\n\0'.repeat(10_000);
    let errors = 0;
    const peak = await peakDuring(server.rssMb, async () => {
      await inBatches(100, 20, async () => {
        const ws = await open();
        ws.on('message', (d) => (errors += commands(d).filter((c) => c === 'ERROR').length));
        await connect(ws);
        ws.send(frames);
        await closed(ws);
      });
    });
    report('1,000,000 malformed frames', peak);
    expect(errors).toBe(100);
    expect(peak - idleMb).toBeLessThan(150);
    expect(await goodClientServed()).toBe(true);
  }, 120_000);

  test('a subscriber that stops reading while 200 MiB are published to it is cut off at its queue limit; memory bounded', async () => {
    const slow = await open();
    await connect(slow);
    slow.send('SUBSCRIBE\nid:0\ndestination:/topic/flood\n\n\0');
    await new Promise((r) => setTimeout(r, 100));
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const publisher = await open();
    await connect(publisher);
    const body = 'x'.repeat(200 * 1024);
    const peak = await peakDuring(server.rssMb, async () => {
      for (let i = 0; i < 1000 && publisher.readyState === WebSocket.OPEN; i++) {
        publisher.send(`SEND\ndestination:/topic/flood\n\n${body}\0`);
        while (publisher.bufferedAmount > 4 * MiB) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 300));
    });
    report('a slow subscriber and 200 MiB published', peak);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await closed(slow);
    publisher.terminate();
    expect(peak - idleMb).toBeLessThan(150);
    expect(await goodClientServed()).toBe(true);
  }, 120_000);

  test('2,000 connections that never CONNECT are closed after stomp_max_timeout; memory bounded', async () => {
    let sockets: WebSocket[] = [];
    const peak = await peakDuring(server.rssMb, async () => {
      sockets = await inBatches(2000, 200, () => open());
      await Promise.all(sockets.map((s) => closed(s, 15_000)));
    });
    report('2,000 connections without CONNECT', peak);
    expect(sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length).toBe(0);
    expect(peak - idleMb).toBeLessThan(150);
    expect(await goodClientServed()).toBe(true);
  }, 120_000);

  test('600 connections that each hold 0.95 MB of an unfinished frame: ERROR and close (budget, then deadline); memory bounded', async () => {
    const partial = `SEND\ndestination:/topic/p\ncontent-length:1000000\n\n${'y'.repeat(950_000)}`;
    const errors: string[] = [];
    const peak = await peakDuring(server.rssMb, async () => {
      await inBatches(Number(process.env.PARTIALS ?? 600), 50, async () => {
        const ws = await open();
        ws.on('message', (d) => errors.push(...commands(d).filter((c) => c === 'ERROR')));
        await connect(ws);
        ws.send(partial);
        await closed(ws);
      });
    });
    report('600 unfinished frames of 0.95 MB', peak);
    expect(errors.length).toBe(Number(process.env.PARTIALS ?? 600));
    expect(peak - idleMb).toBeLessThan(200);
    expect(await goodClientServed()).toBe(true);
  }, 300_000);
});
