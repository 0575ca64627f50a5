import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { CLIENT_COMMANDS, SERVER_COMMANDS, bodyText, escapeHeader, header } from '../stomp/index.ts';
import type { StompLimits, StompTarget } from '../target/target.ts';
import { StompSession, type ReceivedFrame } from '../transport/stomp-session.ts';
import { showBytes, type Transcript } from '../transport/transcript.ts';
import { trickyText } from './arbitraries.ts';
import type { Finding, FuzzProperty } from './property.ts';

/**
 * STOMP frames for the fuzz suite, generated as plain JSON values (so that a saved counterexample replays as is):
 * legal frames of unusual shape that must round-trip SEND → MESSAGE byte-exact, and mutations of legal frames that
 * must be answered by ERROR then close, while a bystander session goes on working.
 */

/** A SEND of unusual but legal shape. Header values are given decoded; they are escaped on the wire. */
export interface LegalSend {
  headers: Array<[string, string]>;
  /** UTF-8 text; may hold NULs (then content-length is always sent). */
  body: string;
  contentLength: boolean;
  /** One EOL per line: the command, each header (destination first), the blank line. */
  eols: Array<'\n' | '\r\n'>;
  /** Heart-beat EOLs sent before the frame. */
  beats: number;
  /** Where the frame is split over WebSocket messages, as fractions of its length. */
  cuts: number[];
}

/** A frame the server cannot process, with the reason it is invalid; split like a legal one. */
export interface IllegalFrame {
  why: string;
  frame: string;
  cuts: number[];
}

const eolArb = fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n');
const cutsArb = (max: number) => fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }).map((x) => Math.round(x * 100) / 100), { maxLength: max });
const simple = (min: number, max: number) => fc.stringMatching(new RegExp(`^[a-z0-9]{${min},${max}}$`));
/** Custom header names start with `fz`, so that they never collide with a header the server interprets. */
const customName = (tricky: boolean) => (tricky ? trickyText(0, 5) : simple(0, 5)).map((n) => `fz${n}`);
const distinctHeaders = (tricky: boolean, max: number) =>
  fc.uniqueArray(fc.tuple(customName(tricky), tricky ? trickyText(0, 10) : simple(0, 10)), { maxLength: max, selector: ([n]) => n });

function legal(parts: { headers: fc.Arbitrary<Array<[string, string]>>; body: fc.Arbitrary<string>; crlf: boolean; beats: number; cuts: number }): fc.Arbitrary<LegalSend> {
  return fc
    .record({
      headers: parts.headers,
      body: parts.body,
      contentLength: fc.boolean(),
      eolPool: fc.array(parts.crlf ? eolArb : fc.constant<'\n'>('\n'), { minLength: 12, maxLength: 12 }),
      beats: fc.integer({ min: 0, max: parts.beats }),
      cuts: cutsArb(parts.cuts),
    })
    .map(({ eolPool, ...v }) => ({
      ...v,
      contentLength: v.contentLength || v.body.includes('\0'),
      eols: eolPool.slice(0, v.headers.length + 3),
    }));
}

/**
 * Only S-12.F1 splits frames over WebSocket messages (STOMP 1.2 says nothing about them); every other property sends
 * each frame whole, in one message, so that it judges its own clause on every broker whatever its framing.
 */
/** S-3: LF or CRLF on every line, heart-beat EOLs before the frame. */
export const eolShapes = legal({ headers: distinctHeaders(false, 3), body: simple(0, 12), crlf: true, beats: 3, cuts: 0 });
/** S-4: bodies with NULs and multi-byte UTF-8, with and without content-length. */
export const bodies = legal({ headers: fc.constant([]), body: trickyText(0, 24), crlf: false, beats: 0, cuts: 0 });
/** S-12: legal SENDs split over 2 to 4 WebSocket messages (the only property that splits). */
export const splits = legal({ headers: distinctHeaders(false, 2), body: trickyText(0, 16), crlf: true, beats: 1, cuts: 3 }).filter((v) => v.cuts.length > 0);
/** S-5: header names and values full of the octets that must be escaped, and of multi-byte UTF-8. */
export const escapes = legal({ headers: distinctHeaders(true, 3).filter((h) => h.length > 0), body: fc.constant(''), crlf: false, beats: 0, cuts: 0 });
/** S-6: a header repeated with different values (the first one counts), among others. */
export const repeats = legal({
  headers: fc
    .tuple(customName(false), fc.uniqueArray(simple(1, 6), { minLength: 2, maxLength: 3 }), distinctHeaders(false, 2))
    .map(([name, values, others]) => [...values.map((v): [string, string] => [name, v]), ...others.filter(([n]) => n !== name)]),
  body: fc.constant(''),
  crlf: false,
  beats: 0,
  cuts: 0,
});

export function renderLegal(v: LegalSend, destination: string): Buffer {
  const lines = ['SEND', `destination:${escapeHeader(destination)}`, ...v.headers.map(([n, x]) => `${escapeHeader(n)}:${escapeHeader(x)}`)];
  const body = Buffer.from(v.body, 'utf8');
  if (v.contentLength) lines.push(`content-length:${body.length}`);
  // Lines beyond the generated EOLs (content-length) end in LF.
  const head = lines.map((l, i) => l + (v.eols[i] ?? '\n')).join('') + (v.eols[lines.length] ?? '\n');
  return Buffer.concat([Buffer.from('\n'.repeat(v.beats) + head, 'utf8'), body, Buffer.from([0])]);
}

/**
 * The bytes cut at the given fractions: one WebSocket message per piece. Cuts move to the next character boundary:
 * a text message must be valid UTF-8 on its own (RFC 6455), or the server rightly closes with 1007.
 */
export function pieces(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const boundary = (i: number) => {
    while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
    return i;
  };
  const at = [...new Set(cuts.map((f) => boundary(Math.max(1, Math.floor(f * bytes.length)))))].filter((i) => i < bytes.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const i of at) if (i > from) out.push(bytes.subarray(from, i)), (from = i);
  out.push(bytes.subarray(from));
  return out;
}

const unknownCommand = fc.stringMatching(/^[A-Z]{1,10}$/).filter((c) => !CLIENT_COMMANDS.has(c) && !SERVER_COMMANDS.has(c));
const noise = fc.array(fc.tuple(simple(1, 4).map((n) => `fz${n}`), simple(0, 6)), { maxLength: 2 }).map((hs) => hs.map(([n, v]) => `${n}:${v}\n`).join(''));

/** S-9: malformed frames: unknown or server commands, a header line without colon, a bare CR, a mandatory header missing. */
export function malformed(destination: string): fc.Arbitrary<IllegalFrame> {
  const d = `destination:${escapeHeader(destination)}\n`;
  const kinds: Array<fc.Arbitrary<{ why: string; frame: string }>> = [
    fc.tuple(unknownCommand, noise).map(([cmd, n]) => ({ why: `unknown command ${cmd}`, frame: `${cmd}\n${d}${n}\nx\0` })),
    fc.tuple(fc.constantFrom(...SERVER_COMMANDS), noise).map(([cmd, n]) => ({ why: `server command ${cmd} from the client`, frame: `${cmd}\n${d}${n}\n\0` })),
    fc.tuple(simple(1, 8), noise).map(([line, n]) => ({ why: 'a header line without a colon', frame: `SEND\n${d}${n}fz${line}\n\n\0` })),
    fc.tuple(simple(0, 4), simple(1, 4), noise).map(([a, b, n]) => ({ why: 'a CR not followed by LF in a header line', frame: `SEND\n${d}${n}fz${a}\r${b}:v\n\n\0` })),
    fc.tuple(
      fc.constantFrom(
        { why: 'SEND without destination', frame: 'SEND\n%n\nx\0' },
        { why: 'SUBSCRIBE without id', frame: `SUBSCRIBE\n${d}%n\n\0` },
        { why: 'SUBSCRIBE without destination', frame: 'SUBSCRIBE\nid:fz\n%n\n\0' },
        { why: 'UNSUBSCRIBE without id', frame: 'UNSUBSCRIBE\n%n\n\0' },
        { why: 'BEGIN without transaction', frame: 'BEGIN\n%n\n\0' },
        { why: 'ACK without id', frame: 'ACK\n%n\n\0' },
      ),
      noise,
    ).map(([k, n]) => ({ why: k.why, frame: k.frame.replace('%n', n) })),
  ];
  return withCuts(fc.oneof(...kinds));
}

/** S-9 (content-length): not a number, negative, or smaller than the body, so that no NUL follows where it says. */
export function badContentLength(destination: string): fc.Arbitrary<IllegalFrame> {
  const d = `destination:${escapeHeader(destination)}\n`;
  const frame = (value: string, body: string, n: string) => `SEND\n${d}${n}content-length:${value}\n\n${body}\0`;
  return withCuts(
    fc.oneof(
      fc.tuple(fc.stringMatching(/^[a-z +.x-]{0,6}[0-9]{0,3}[a-z +.x-]{1,3}$/).filter((v) => !/^\d+$/.test(v)), simple(0, 8), noise).map(([v, b, n]) => ({
        why: `content-length "${v}" is not a number`,
        frame: frame(v, b, n),
      })),
      fc.tuple(fc.integer({ min: 1, max: 999 }), simple(0, 8), noise).map(([v, b, n]) => ({ why: `content-length -${v}`, frame: frame(`-${v}`, b, n) })),
      fc
        .tuple(simple(1, 16), fc.nat(), noise)
        .map(([b, k, n]) => ({ why: `content-length ${k % b.length} for a ${b.length}-octet body (no NUL where it says)`, frame: frame(String(k % b.length), b, n) })),
    ),
  );
}

/** S-5 (fatal): an escape STOMP 1.2 does not define, or a lone backslash at the end, in a header of SEND or SUBSCRIBE. */
export function undefinedEscapes(destination: string): fc.Arbitrary<IllegalFrame> {
  const bad = fc.oneof(
    fc.stringMatching(/^[a-zA-Z0-9 t.!-]$/).filter((ch) => !'rnc'.includes(ch)).map((ch) => `\\${ch}`),
    fc.constant('\\'),
  );
  return withCuts(
    fc.tuple(fc.constantFrom('SEND', 'SUBSCRIBE'), simple(0, 4), bad, simple(0, 4), fc.boolean(), noise).map(([cmd, a, esc, b, inName, n]) => {
      const trailing = esc === '\\';
      const value = trailing ? `${a}${b}\\` : `${a}${esc}${b}`;
      const line = inName && !trailing ? `fz${value}:v` : `fz:${value}`;
      const extra = cmd === 'SUBSCRIBE' ? 'id:fz\n' : '';
      return { why: `undefined escape ${trailing ? 'lone trailing \\' : esc} in a ${cmd} header ${inName && !trailing ? 'name' : 'value'}`, frame: `${cmd}\ndestination:${escapeHeader(destination)}\n${extra}${n}${line}\n\n\0` };
    }),
  );
}

/** S-11 (SHOULD): more headers, a longer header line or a larger body than the target declares. */
export function oversize(destination: string, limits: StompLimits): fc.Arbitrary<IllegalFrame> {
  const d = `destination:${escapeHeader(destination)}\n`;
  const kinds: Array<fc.WeightedArbitrary<{ why: string; frame: string }>> = [];
  const { maxHeaders, maxHeaderLineBytes, maxBodyBytes, maxMessageBytes } = limits;
  // Nothing beyond the WebSocket message limit: the transport would refuse it before STOMP sees it (S-11.5's case).
  const fits = (octets: number) => maxMessageBytes === undefined || octets + destination.length + 64 <= maxMessageBytes;
  if (maxHeaders && fits((maxHeaders + 16) * 12)) {
    const headers = fc.integer({ min: maxHeaders + 1, max: maxHeaders + 16 });
    kinds.push({ weight: 4, arbitrary: headers.map((n) => ({ why: `${n + 1} headers (limit ${maxHeaders})`, frame: `SEND\n${d}${Array.from({ length: n }, (_, i) => `fz${i}:${i}\n`).join('')}\n\0` })) });
  }
  if (maxHeaderLineBytes && fits(maxHeaderLineBytes + 64)) {
    const length = fc.integer({ min: maxHeaderLineBytes, max: maxHeaderLineBytes + 64 });
    kinds.push({ weight: 4, arbitrary: length.map((n) => ({ why: `a ${n + 3}-octet header line (limit ${maxHeaderLineBytes})`, frame: `SEND\n${d}fz:${'v'.repeat(n)}\n\n\0` })) });
  }
  if (maxBodyBytes && fits(maxBodyBytes + 64 + 32)) {
    // Rarely: each such input is a megabyte on the wire.
    const body = fc.tuple(fc.integer({ min: maxBodyBytes + 1, max: maxBodyBytes + 64 }), fc.boolean());
    kinds.push({
      weight: 1,
      arbitrary: body.map(([n, declared]) => ({
        why: `a ${n}-octet body${declared ? ' with content-length' : ''} (limit ${maxBodyBytes})`,
        frame: `SEND\n${d}${declared ? `content-length:${n}\n` : ''}\n${'b'.repeat(n)}\0`,
      })),
    });
  }
  if (kinds.length === 0) throw new NoInputs('every declared limit is above the declared WebSocket message limit (stomp.limits.maxMessageBytes)');
  return withCuts(fc.oneof(...kinds));
}

/** No input can be generated for the target (its declarations leave nothing to send): the case is skipped. */
export class NoInputs extends Error {
  override name = 'NoInputs';
}

/** Illegal frames are sent whole (S-12.F1 is the property that splits). */
function withCuts(kind: fc.Arbitrary<{ why: string; frame: string }>): fc.Arbitrary<IllegalFrame> {
  return kind.map((k) => ({ ...k, cuts: [] }));
}

/** The input as sent: one WebSocket message per piece, boundaries shown as ¦. */
export function showPieces(bytes: Buffer, cuts: readonly number[]): string {
  return pieces(bytes, cuts).map((p) => showBytes(p)).join('¦');
}

function send(s: StompSession, bytes: Buffer, cuts: readonly number[]): void {
  for (const piece of pieces(bytes, cuts)) s.sendRaw(piece);
}

/** The MESSAGE the legal SEND must come back as: the first value of every header, the body octet for octet. */
export function judgeRoundTrip(v: LegalSend, message: ReceivedFrame | undefined, why: () => string): Finding {
  const expected = 'the SEND comes back as a MESSAGE with the same headers (first occurrence) and the same body octets';
  if (!message) return { expected, actual: why() };
  if (message.violations.length) return { expected, actual: `a malformed MESSAGE: ${message.violations[0].message}` };
  const first = new Map<string, string>();
  for (const [n, x] of v.headers) if (!first.has(n)) first.set(n, x);
  for (const [n, x] of first) {
    const got = header(message, n);
    if (got !== x) return { expected, actual: `header ${show(n)}: ${got === undefined ? 'missing' : show(got)} instead of ${show(x)}` };
  }
  const body = Buffer.from(v.body, 'utf8');
  if (!Buffer.from(message.body).equals(body)) return { expected, actual: `body ${show(Buffer.from(message.body))} (${message.body.length} octets) instead of ${show(body)} (${body.length} octets)` };
  return undefined;
}

const show = (x: string | Buffer) => JSON.stringify(showBytes(Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8')));

/** The legal-frame property: one connected, subscribed session carries every input; it is reopened after a failure. */
export function roundTripProperty(target: StompTarget, destination: string, arbitrary: fc.Arbitrary<LegalSend>): FuzzProperty<LegalSend> {
  const { responseMs } = target.timeouts;
  let session: StompSession | undefined;
  const open = async (label: string, record?: (t: Transcript) => void) => {
    const s = await StompSession.open(target, label);
    record?.(s.transcript);
    await s.connectOrThrow({}, responseMs);
    s.subscribe(destination, 'fz', { receipt: 'fz-sub' });
    if (!(await s.nextFrame(responseMs, (f) => f.command === 'RECEIPT'))) s.transcript.note('no RECEIPT for SUBSCRIBE; going on');
    return s;
  };
  return {
    arbitrary,
    perRunMs: responseMs + 2000,
    deadlineFromWrite: true,
    show: (v) => {
      const bytes = renderLegal(v, destination);
      return { text: showPieces(bytes, v.cuts), octets: bytes.length };
    },
    async check(v, record, written) {
      const s = record ? await open('fuzz: the shrunk input', record) : (session ??= await open('fuzz'));
      send(s, renderLegal(v, destination), v.cuts);
      written?.();
      const message = await s.nextFrame(responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      const why = () => (message?.command === 'ERROR' ? `ERROR message:${header(message, 'message') ?? bodyText(message)}` : s.describeSilence(responseMs));
      const finding = judgeRoundTrip(v, message?.command === 'MESSAGE' ? message : undefined, why);
      // A session that misbehaved may hold stray frames: the next input starts on a fresh one.
      if (finding || record) {
        if (s === session) session = undefined;
        await s.close().catch(() => undefined);
      }
      return finding;
    },
    async teardown() {
      await session?.close().catch(() => undefined);
    },
  };
}

/** The illegal-frame property: ERROR then close on a fresh session per input; a bystander session keeps working. */
export function errorThenCloseProperty(target: StompTarget, destination: string, arbitrary: fc.Arbitrary<IllegalFrame>, large = false): FuzzProperty<IllegalFrame> {
  const { responseMs, closeMs } = target.timeouts;
  let bystander: StompSession | undefined;
  let pings = 0;
  const openBystander = async () => {
    const s = await StompSession.open(target, 'fuzz: bystander');
    await s.connectOrThrow({}, responseMs);
    s.subscribe(`${destination}-bystander`, 'by', { receipt: 'by-sub' });
    await s.nextFrame(responseMs, (f) => f.command === 'RECEIPT');
    return s;
  };
  return {
    arbitrary,
    perRunMs: responseMs + closeMs + 3000,
    deadlineFromWrite: true,
    large,
    show: (v) => ({ text: `${showPieces(Buffer.from(v.frame, 'utf8'), v.cuts)} (${v.why})`, octets: Buffer.byteLength(v.frame) }),
    async setup() {
      bystander = await openBystander();
    },
    async check(v, record, written) {
      const s = await StompSession.open(target, record ? 'fuzz: the shrunk input' : 'fuzz');
      record?.(s.transcript);
      try {
        await s.connectOrThrow({}, responseMs);
        send(s, Buffer.from(v.frame, 'utf8'), v.cuts);
        written?.();
        const expected = `ERROR, then the server closes the connection (after ${v.why})`;
        const error = await s.nextFrame(responseMs, (f) => f.command === 'ERROR');
        const closed = await s.waitClosed(error ? closeMs : 10);
        if (!error && !closed) return { expected, actual: `no ERROR within ${responseMs} ms and the connection is still open (a silent hang)` };
        if (!error) return { expected, actual: `no ERROR frame; the connection was closed with code ${closed!.code}${closed!.reason ? ` "${closed!.reason}"` : ''} by the ${closed!.by}` };
        if (!closed) return { expected, actual: `ERROR (message: ${header(error, 'message') ?? '-'}) but the connection is still open ${closeMs} ms later` };
        // S-9 and S-13: one client's protocol error leaves the other sessions alone.
        if (record) record(bystander!.transcript);
        const ping = `ping-${++pings}`;
        bystander!.send({ command: 'SEND', headers: { destination: `${destination}-bystander`, fz: ping } });
        const echo = await bystander!.nextFrame(responseMs, (f) => f.command === 'MESSAGE' && header(f, 'fz') === ping);
        if (!echo) return { expected: `${expected}; a second session goes on working`, actual: `the bystander session got no MESSAGE back (${bystander!.describeSilence(responseMs)})` };
        return undefined;
      } finally {
        await s.close().catch(() => undefined);
      }
    },
    async teardown() {
      await bystander?.close().catch(() => undefined);
    },
  };
}
