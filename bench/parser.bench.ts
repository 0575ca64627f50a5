/**
 * Parser throughput: our strict StompParser against @stomp/stompjs's Parser, on the same corpus, in the same run.
 * The corpus is >= 32 MiB of WCS-OAM-like MESSAGE frames, one frame per chunk (as STOMP over WebSocket delivers them).
 *   npm run bench:parser        (MIB=64 ROUNDS=7 to change the size and the rounds)
 */
import { Buffer } from 'node:buffer';
import { Parser } from '@stomp/stompjs';
import { StompParser, serialize } from '../src/stomp/index.ts';

const MIB = Number(process.env.MIB ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

function corpus(): { chunks: Buffer[]; bytes: number } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let seq = 0;
  const words = ['Video rate', 'Audio rate', 'Débit vidéo', 'Кадров в секунду', '帧率', 'Jitter 🎥', 'RTT'];
  while (bytes < MIB * 1024 * 1024) {
    const samples = 1 + (seq % 23);
    const payload = Array.from({ length: samples }, (_, i) => ({
      id: seq + i,
      name: words[(seq + i) % words.length],
      note: i % 5 === 0 ? 'line one\nline two' : '',
      enumName: 'VIDEO_RATE',
      value: (seq * 7919 + i) % 100000,
      timestamp: 1_763_800_000_000 + seq * 1000 + i,
    }));
    const body = JSON.stringify({ requestId: `req-${seq}-eb2c2807-8c2f-4418-aebe-03622404e4bb`, status: 200, reason: 'SUCCESS', payload });
    const headers: Array<[string, string]> = [
      ['destination', seq % 10 === 0 ? '/stream/node:1/media\\x' : '/user/service'],
      ['content-type', 'application/json;charset=UTF-8'],
      ['subscription', 'sub-1'],
      ['message-id', `${seq % 97}-${seq}`],
    ];
    // Every third frame relies on the NUL scan instead of content-length, as servers may.
    const frame = serialize({ command: 'MESSAGE', headers, body }, { contentLength: seq % 3 === 0 ? 'keep' : 'auto' });
    chunks.push(frame);
    bytes += frame.length;
    seq++;
  }
  return { chunks, bytes };
}

function ours(chunks: Buffer[]): number {
  let frames = 0;
  const parser = new StompParser({ onFrame: () => frames++, onError: (e) => { throw new Error(`${e.rule} at ${e.offset}`); } });
  for (const c of chunks) parser.push(c);
  return frames;
}

function stompjs(buffers: ArrayBuffer[]): number {
  let frames = 0;
  const parser = new Parser(() => frames++, () => {});
  for (const b of buffers) parser.parseChunk(b);
  return frames;
}

function time(fn: () => number): { ms: number; frames: number } {
  const start = process.hrtime.bigint();
  const frames = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, frames };
}

const { chunks, bytes } = corpus();
// stompjs is fed what a browser WebSocket hands it for a binary message: an ArrayBuffer per message.
const buffers = chunks.map((c) => c.buffer.slice(c.byteOffset, c.byteOffset + c.length) as ArrayBuffer);
const mb = bytes / (1024 * 1024);
console.log(`corpus: ${chunks.length} MESSAGE frames, ${mb.toFixed(1)} MiB, one frame per chunk; ${ROUNDS} rounds after a warm-up`);

ours(chunks);
stompjs(buffers);
const results = { ours: [] as number[], stompjs: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const a = time(() => ours(chunks));
  const b = time(() => stompjs(buffers));
  if (a.frames !== chunks.length || b.frames !== chunks.length) throw new Error(`frame counts differ: ours ${a.frames}, stompjs ${b.frames}, corpus ${chunks.length}`);
  results.ours.push(mb / (a.ms / 1000));
  results.stompjs.push(mb / (b.ms / 1000));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const o = median(results.ours);
const s = median(results.stompjs);
console.log(`rtc-conformance StompParser (strict): ${o.toFixed(1)} MB/s`);
console.log(`@stomp/stompjs Parser:                ${s.toFixed(1)} MB/s`);
const TARGET = 10;
console.log(`ratio: ${(o / s).toFixed(2)}x (target: >= ${TARGET}x)`);
process.exitCode = o / s >= TARGET ? 0 : 1;
