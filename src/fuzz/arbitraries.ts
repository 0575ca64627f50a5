import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import type { StompFrame } from '../stomp/index.ts';

/**
 * Generators for STOMP frames, biased towards the octets that break parsers: `:` `\` CR LF NUL and multi-byte UTF-8.
 * Replay a failure with the seed (and path) fast-check prints: FC_SEED=… FC_PATH=… npm test -- test/codec
 */
export function fcParams(defaultRuns = 200): fc.Parameters<unknown> {
  const params: fc.Parameters<unknown> = { numRuns: Number(process.env.FC_RUNS ?? defaultRuns) };
  if (process.env.FC_SEED) params.seed = Number(process.env.FC_SEED);
  if (process.env.FC_PATH) params.path = process.env.FC_PATH;
  return params;
}

const TRICKY = [':', '\\', '\r', '\n', '\0', ' ', '\t', 'é', 'ß', '東', '京', '🎥', '𝄞', 'c', 'n', 'r', 'a', 'Z'];

/** Text made mostly of tricky characters, some plain. */
export const trickyText = (min = 0, max = 12) =>
  fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) }), {
      minLength: min,
      maxLength: max,
    })
    .map((parts) => parts.join(''))
    .filter((s) => s.length >= min && !s.includes('\ufffd'));

/** Text for CONNECT/CONNECTED headers, which are not escaped: no CR or LF; names have no colon either. */
const plain = (min: number, noColon: boolean) =>
  trickyText(min).map((s) => s.replace(noColon ? /[\r\n:]/g : /[\r\n]/g, '')).filter((s) => s.length >= min);

export const ESCAPED_COMMANDS = ['SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'STOMP', 'MESSAGE', 'RECEIPT', 'ERROR'];

export const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  trickyText(1, 20).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

const escapedHeaders = fc.array(fc.tuple(trickyText(1, 6), trickyText(0, 12)), { maxLength: 6 }).map((hs) => hs.filter(([n]) => n !== 'content-length'));
const unescapedHeaders = fc.array(fc.tuple(plain(1, true), plain(0, false)), { maxLength: 6 }).map((hs) => hs.filter(([n]) => n !== 'content-length'));

/** A frame the serializer can write and the strict parser must read back identically. */
export const frame: fc.Arbitrary<StompFrame> = fc.oneof(
  fc.record({ command: fc.constantFrom(...ESCAPED_COMMANDS), headers: escapedHeaders, body }),
  fc.record({ command: fc.constantFrom('CONNECT', 'CONNECTED'), headers: unescapedHeaders, body }),
);

export const eol = fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n');

/** Heart-beat EOLs that may follow a frame's NUL. */
export const heartbeats = fc.array(eol, { maxLength: 3 }).map((a) => a.join(''));
