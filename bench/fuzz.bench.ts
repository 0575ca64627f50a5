/**
 * Fuzz throughput: generated STOMP wire cases per second against the reference server over loopback (peer: RabbitMQ
 * 3.10 web-stomp, when scripts/rabbitmq.sh has started it), and codec-only properties per second (peer: the same
 * generated frames through @stomp/stompjs's Parser). Exits 1 when the reference server takes fewer than 2,000 legal
 * wire cases per second.
 *
 *   npm run bench:fuzz            RUNS=5000 (wire inputs per property), CODEC_RUNS=20000, RABBITMQ=0 skips the peer
 */
import { Parser } from '@stomp/stompjs';
import fc from 'fast-check';
import { startOamServer } from '../mocks/oam/server.ts';
import { REFERENCE_TIMEOUTS } from '../mocks/reference.ts';
import { frame } from '../src/fuzz/arbitraries.ts';
import type { FuzzProperty } from '../src/fuzz/property.ts';
import { bodies, eolShapes, errorThenCloseProperty, escapes, malformed, repeats, roundTripProperty } from '../src/fuzz/stomp-wire.ts';
import { StompParser, serialize } from '../src/stomp/index.ts';
import { stompTarget, type StompTarget } from '../src/target/target.ts';
import { reachable } from '../src/transport/reachable.ts';

const RUNS = Number(process.env.RUNS ?? 5000);
const CODEC_RUNS = Number(process.env.CODEC_RUNS ?? 20000);
const TARGET_RATE = 2000;

/** Runs a property to the end (no shrinking is expected: a failure is a bench error) and returns inputs per second. */
async function rate<T>(property: FuzzProperty<T>, runs: number): Promise<number> {
  await property.setup?.();
  const started = performance.now();
  const details = await fc.check(
    fc.asyncProperty(property.arbitrary, async (v) => {
      const finding = await property.check(v);
      if (finding) throw new Error(`${finding.expected}: ${finding.actual}`);
    }),
    { numRuns: runs, seed: 42 },
  );
  const seconds = (performance.now() - started) / 1000;
  await property.teardown?.();
  if (details.failed) throw new Error(`the bench target failed a property: ${details.errorInstance}`);
  return runs / seconds;
}

async function wire(target: StompTarget, runs: number): Promise<{ legal: number; escapes: number; illegal: number }> {
  const d = `${target.destinationPrefix}fzbench`;
  const legal: number[] = [];
  for (const arbitrary of [eolShapes, bodies, escapes, repeats]) legal.push(await rate(roundTripProperty(target, d, arbitrary), runs));
  const illegal = await rate(errorThenCloseProperty(target, d, malformed(d)), Math.max(100, Math.round(runs / 10)));
  // The harmonic mean: total inputs over total time, as if the four legal properties ran back to back.
  return { legal: legal.length / legal.reduce((s, r) => s + 1 / r, 0), escapes: legal[2], illegal };
}

function codec(runs: number): { ours: number; stompjs: number } {
  const corpus = fc.sample(frame, { numRuns: runs, seed: 42 }).map((f) => serialize(f));
  const time = (fn: () => void) => {
    const t = performance.now();
    fn();
    return runs / ((performance.now() - t) / 1000);
  };
  const ours = time(() => {
    for (const bytes of corpus) {
      let got = 0;
      const p = new StompParser({ onFrame: () => got++, onError: (e) => { throw new Error(`${e.rule} at ${e.offset}`); } });
      p.push(bytes);
      if (got !== 1) throw new Error('our parser lost a frame');
    }
  });
  const stompjs = time(() => {
    for (const bytes of corpus) {
      let got = 0;
      const p = new Parser(() => got++, () => {});
      p.parseChunk(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
      if (got !== 1) throw new Error('stompjs lost a frame');
    }
  });
  return { ours, stompjs };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const server = await startOamServer({ tls: false });
const reference = await wire(stompTarget({ url: server.stompUrl, limits: server.limits }, { destinationPrefix: '/topic/' }, REFERENCE_TIMEOUTS), RUNS);
await server.close();
console.log(`reference server (ws, loopback): ${fmt(reference.legal)} legal wire cases/s (round trip SEND → MESSAGE), ${fmt(reference.illegal)} illegal wire cases/s (connection, ERROR, close each)`);

if (process.env.RABBITMQ !== '0' && (await reachable('ws://127.0.0.1:15674/ws', 2000)) === undefined) {
  const rabbit = stompTarget({ url: 'ws://127.0.0.1:15674/ws', host: '/', login: 'guest', passcode: 'guest' }, { destinationPrefix: '/topic/' }, { responseMs: 2000, closeMs: 1500, quietMs: 400 });
  const legal = await rate(roundTripProperty(rabbit, '/topic/fzbench', escapes), Math.round(RUNS / 5));
  console.log(`RabbitMQ 3.10 web-stomp (peer):  ${fmt(legal)} legal wire cases/s of S-5.F1 (escapes); reference ${fmt(reference.escapes)}/s: ${(reference.escapes / legal).toFixed(1)}×`);
} else console.log('RabbitMQ web-stomp not running on 127.0.0.1:15674: no wire peer (scripts/rabbitmq.sh start)');

const c = codec(CODEC_RUNS);
console.log(`codec only, ${fmt(CODEC_RUNS)} generated frames: our parser ${fmt(c.ours)} properties/s, @stomp/stompjs Parser ${fmt(c.stompjs)}/s: ${(c.ours / c.stompjs).toFixed(1)}×`);
console.log(`target: ≥ ${fmt(TARGET_RATE)} legal wire cases/s against the reference server: ${reference.legal >= TARGET_RATE ? 'met' : 'NOT met'}`);
process.exit(reference.legal >= TARGET_RATE ? 0 : 1);
