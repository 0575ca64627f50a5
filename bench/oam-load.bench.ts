/**
 * OAM load: many concurrent STOMP sessions, each keeping requests in flight, against the reference OAM server (its own
 * process), and the same load shape (STOMP round trips over WebSocket: SEND to a queue the session subscribed to)
 * against RabbitMQ web-stomp, in the same run. Prints requests/s, p50/p99 latency, mis-correlated and missing
 * responses (which must be 0), and the throughput ratio.
 *   npm run bench:oam-load           (SESSIONS=1000 INFLIGHT=10 ROUNDS=10; RABBITMQ=0 to skip the peer)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { StompParser, bodyText, header, serialize } from '../src/stomp/index.ts';

const SESSIONS = Number(process.env.SESSIONS ?? 1000);
const INFLIGHT = Number(process.env.INFLIGHT ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'ws://127.0.0.1:15674/ws';

interface Shape {
  name: string;
  url: string;
  connect: Record<string, string>;
  subscribeTo(session: number): string;
  sendTo(session: number): string;
  body(requestId: string): string;
  requestIdOf(body: string): string | undefined;
}

interface Result {
  requests: number;
  seconds: number;
  latencies: number[];
  miscorrelated: number;
  missing: number;
  /** Why sessions ended early (ERROR messages, close codes), counted. */
  endings: Map<string, number>;
}

/** One session: CONNECT, SUBSCRIBE (with receipt), then ROUNDS × INFLIGHT requests, INFLIGHT at a time. */
function runSession(shape: Shape, index: number, result: Result): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(shape.url, ['v12.stomp'], { rejectUnauthorized: false });
    const inflight = new Map<string, number>();
    let sent = 0;
    let done = 0;
    const total = ROUNDS * INFLIGHT;
    let finished = false;
    const finish = (why?: string) => {
      if (finished) return;
      finished = true;
      if (why) result.endings.set(why, (result.endings.get(why) ?? 0) + 1);
      result.missing += inflight.size + (total - sent);
      ws.terminate();
      resolve();
    };
    const timer = setTimeout(() => finish('no answer within 60 s'), 60_000);
    const sendOne = () => {
      const id = `${index}-${sent++}-${randomUUID().slice(0, 8)}`;
      inflight.set(id, performance.now());
      ws.send(serialize({ command: 'SEND', headers: { destination: shape.sendTo(index), 'content-type': 'application/json' }, body: shape.body(id) }));
    };
    const parser = new StompParser(
      {
        onFrame: (f) => {
          if (f.command === 'CONNECTED') {
            ws.send(serialize({ command: 'SUBSCRIBE', headers: { id: 'sub-1', destination: shape.subscribeTo(index), receipt: 'ready' } }));
          } else if (f.command === 'RECEIPT' && header(f, 'receipt-id') === 'ready') {
            for (let i = 0; i < INFLIGHT; i++) sendOne();
          } else if (f.command === 'MESSAGE') {
            const id = shape.requestIdOf(bodyText(f));
            const started = id === undefined ? undefined : inflight.get(id);
            if (started === undefined) {
              result.miscorrelated++;
              return;
            }
            inflight.delete(id!);
            result.latencies.push(performance.now() - started);
            result.requests++;
            if (++done === total) {
              clearTimeout(timer);
              finish();
            } else if (sent < total) sendOne();
          } else if (f.command === 'ERROR') {
            clearTimeout(timer);
            finish(`ERROR ${header(f, 'message')}`);
          }
        },
      },
      { mode: 'lenient' },
    );
    ws.on('open', () => ws.send(serialize({ command: 'CONNECT', headers: { 'accept-version': '1.2', ...shape.connect } })));
    ws.on('message', (data: Buffer) => parser.push(data));
    ws.on('error', (err) => finish(`socket error: ${err.message}`));
    ws.on('close', (code) => {
      clearTimeout(timer);
      finish(`closed by the server: ${code}`);
    });
  });
}

async function load(shape: Shape): Promise<Result> {
  const result: Result = { requests: 0, seconds: 0, latencies: [], miscorrelated: 0, missing: 0, endings: new Map() };
  const started = performance.now();
  await Promise.all(Array.from({ length: SESSIONS }, (_, i) => runSession(shape, i, result)));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function report(name: string, r: Result): number {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
  const rps = r.requests / r.seconds;
  console.log(
    `${name.padEnd(26)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${pct(50).toFixed(1).padStart(6)} ms  p99 ${pct(99).toFixed(1).padStart(7)} ms  ` +
      `answered ${r.requests}/${SESSIONS * ROUNDS * INFLIGHT}  mis-correlated ${r.miscorrelated}  missing ${r.missing}`,
  );
  for (const [why, n] of r.endings) console.log(`  ${n} sessions ended early: ${why}`);
  return rps;
}

/** The reference server in a process of its own, as a real server would be. */
async function startReference(): Promise<{ url: string; stop(): void }> {
  const bin = fileURLToPath(new URL('../bin/rtc-conformance.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'mock', '--plain', '--oam-port', '0', '--websocketd-port', '0', '--auth-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(ws:\/\/\S+\/ws)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`reference server exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGINT') };
}

const oamShape = (url: string): Shape => ({
  name: 'reference OAM (/app → /user/service)',
  url,
  connect: { host: 'localhost' },
  subscribeTo: () => '/user/service',
  sendTo: () => '/app/api/metric/list',
  body: (requestId) => JSON.stringify({ requestId, realm: '/api/metric/list', payload: { id: '3' } }),
  requestIdOf: (body) => JSON.parse(body).requestId,
});

const RUN = randomUUID().slice(0, 8);
const rabbitShape: Shape = {
  name: 'RabbitMQ web-stomp (queue)',
  url: RABBITMQ_URL,
  connect: { host: '/', login: 'guest', passcode: 'guest' },
  subscribeTo: (i) => `/queue/rtc-bench-${RUN}-${i}`,
  sendTo: (i) => `/queue/rtc-bench-${RUN}-${i}`,
  body: (requestId) => JSON.stringify({ requestId, realm: '/api/metric/list', payload: { id: '3' } }),
  requestIdOf: (body) => JSON.parse(body).requestId,
};

console.log(`${SESSIONS} sessions × ${INFLIGHT} requests in flight × ${ROUNDS} rounds (${SESSIONS * INFLIGHT * ROUNDS} requests per target)`);
const reference = await startReference();
let ours: Result;
try {
  ours = await load(oamShape(reference.url));
} finally {
  reference.stop();
}
const oursRps = report('reference OAM server', ours);
let failed = ours.miscorrelated + ours.missing > 0;
if (process.env.RABBITMQ !== '0') {
  const peer = await load(rabbitShape);
  const peerRps = report('RabbitMQ 3.10 web-stomp', peer);
  console.log(`ratio reference/RabbitMQ: ${(oursRps / peerRps).toFixed(2)}x (same load shape: STOMP round trips over WebSocket)`);
  failed ||= peer.requests === 0;
}
console.log(failed ? 'FAILED: mis-correlated or missing responses' : 'OK: every request answered exactly once, to its own session');
process.exit(failed ? 1 : 0);
