/**
 * Differential check of our strict StompParser against @stomp/stompjs: one generated corpus of wire inputs (valid frames
 * from our serializer, and mutations of them), fed to both parsers, and every disagreement put in a class that says
 * which reading STOMP 1.2 supports. Pure: no I/O besides the two parsers.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { FrameImpl, Parser, type IRawFrameType } from '@stomp/stompjs';
import { UNESCAPED_COMMANDS, escapeHeader, parseAll, serialize, type StompFrame, type StompRule, type StompViolation } from '../stomp/index.ts';
import { eol, frame, heartbeats } from './arbitraries.ts';

// ---------------------------------------------------------------------------------------------------------------
// Corpus

/** A serialized frame opened up so that mutations can work on its lines; `eol` is the one it was written with. */
interface WireFrame {
  lines: string[];
  eol: string;
  body: Buffer;
  /** What follows the body: the NUL, unless a mutation changed it. */
  tail: Buffer;
}

function open(f: StompFrame, lineEnd: string): WireFrame {
  const bytes = serialize(f, { eol: lineEnd as '\n' | '\r\n' });
  // Serialized heads hold no bare EOL inside a line (escaped, or stripped for CONNECT/CONNECTED), and no empty header
  // line, so the first blank line is the end of the head.
  const headEnd = bytes.indexOf(lineEnd + lineEnd);
  return {
    lines: bytes.toString('utf8', 0, headEnd).split(lineEnd),
    eol: lineEnd,
    body: bytes.subarray(headEnd + 2 * lineEnd.length, bytes.length - 1),
    tail: Buffer.from([0]),
  };
}

function close(w: WireFrame): Buffer {
  const head = w.lines.map((l) => l + w.eol).join('') + w.eol;
  return Buffer.concat([Buffer.from(head, 'utf8'), w.body, w.tail]);
}

const insertAt = (s: string, at: number, text: string) => s.slice(0, at % (s.length + 1)) + text + s.slice(at % (s.length + 1));
/** Index of a header line (never the command line); adds one when the frame has none. */
function headerLine(w: WireFrame, pick: number): number {
  if (w.lines.length < 2) w.lines.push('x-added:v');
  return 1 + (pick % (w.lines.length - 1));
}
function setContentLength(w: WireFrame, value: string): void {
  const i = w.lines.findIndex((l) => l.startsWith('content-length:'));
  if (i >= 0) w.lines[i] = `content-length:${value}`;
  else w.lines.push(`content-length:${value}`);
}

type Mutation = (w: WireFrame, a: number, b: number) => Buffer;

/** Each mutation breaks (or bends) one rule of the STOMP 1.2 grammar; `a` and `b` pick where. */
const MUTATIONS: Record<string, fc.Arbitrary<Mutation>> = {
  undefinedEscape: fc.constantFrom('\\t', '\\x', '\\0', '\\ ', '\\"', '\\').map((esc) => (w, a, b) => {
    const i = headerLine(w, a);
    const colon = w.lines[i].indexOf(':');
    w.lines[i] = w.lines[i].slice(0, colon + 1) + insertAt(w.lines[i].slice(colon + 1), b, esc);
    return close(w);
  }),
  contentLengthWithoutNul: fc.constantFrom('replace-nul', 'extra-octet', 'overcount').map((how) => (w, a) => {
    if (w.body.length === 0) w.body = Buffer.from('body');
    setContentLength(w, String(w.body.length + (how === 'overcount' ? 1 + (a % 3) : 0)));
    if (how === 'replace-nul') w.tail = Buffer.from([[0x41, 0x0a, 0x01][a % 3]]);
    if (how === 'extra-octet') w.body = Buffer.concat([w.body, Buffer.from('Z')]);
    return close(w);
  }),
  badContentLength: fc.constantFrom('abc', '-1', '3x', ' 3', '3 ', '+3', '1e1', '0x1', '', '٣', '99999999').map((v) => (w) => {
    setContentLength(w, v);
    return close(w);
  }),
  headerWithoutColon: fc.constantFrom('foo', 'foo bar', 'destination', 'a\\cb').map((line) => (w, a) => {
    w.lines.splice(headerLine(w, a), 0, line);
    return close(w);
  }),
  bareCr: fc.constantFrom('in-line', 'after-nul').map((where) => (w, a, b) => {
    if (where === 'after-nul') w.tail = Buffer.from([0, 0x0d]);
    else w.lines[a % w.lines.length] = insertAt(w.lines[a % w.lines.length], b, '\r');
    return close(w);
  }),
  spacesAroundHeader: fc
    .constantFrom<[string, string, string, string]>([' ', '', '', ''], ['', ' ', '', ''], ['', '', ' ', ''], ['', '', '', ' '], ['\t', '', '', '\t'], ['', '', '\u00a0', ''], ['', '', '\ufeff', ''], ['\ufeff', '', '', ''])
    .map(([beforeName, afterName, beforeValue, afterValue]) => (w, a) => {
      const i = headerLine(w, a);
      const colon = w.lines[i].indexOf(':');
      w.lines[i] = beforeName + w.lines[i].slice(0, colon) + afterName + ':' + beforeValue + w.lines[i].slice(colon + 1) + afterValue;
      return close(w);
    }),
  nulInHead: fc.constant((w: WireFrame, a: number, b: number) => {
    w.lines[a % w.lines.length] = insertAt(w.lines[a % w.lines.length], b, '\0');
    return close(w);
  }),
  nulBetweenFrames: fc.constant((w: WireFrame) => {
    w.tail = Buffer.from([0, 0]);
    return close(w);
  }),
  invalidUtf8: fc.constantFrom([0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80]).map((octets) => (w, a) => {
    const bytes = close(w);
    const headLength = Buffer.byteLength(w.lines.join(w.eol));
    const at = a % (headLength + 1);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(octets), bytes.subarray(at)]);
  }),
  badCommand: fc.constantFrom((c: string) => c.toLowerCase(), (c: string) => c + ' ', (c: string) => ' ' + c, (c: string) => c[0] + c.slice(1).toLowerCase(), () => 'FOO', () => 'ÉRROR').map((change) => (w) => {
    w.lines[0] = change(w.lines[0]);
    return close(w);
  }),
  unescapedColon: fc.constant((w: WireFrame, a: number, b: number) => {
    const i = headerLine(w, a);
    const colon = w.lines[i].indexOf(':');
    w.lines[i] = w.lines[i].slice(0, colon + 1) + insertAt(w.lines[i].slice(colon + 1), b, ':');
    return close(w);
  }),
  emptyHeaderName: fc.constant((w: WireFrame, a: number) => {
    w.lines.splice(headerLine(w, a), 0, ':value');
    return close(w);
  }),
  truncated: fc.constant((w: WireFrame, a: number) => {
    const bytes = close(w);
    return bytes.subarray(0, a % bytes.length);
  }),
};

/** Valid inputs our strict parser must accept: plain, NUL-scanned bodies, repeated headers (content-length too). */
const validFrame: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(frame, eol).map(([f, e]) => serialize(f, { eol: e })),
  fc.tuple(frame, eol).map(([f, e]) => serialize({ ...f, body: Buffer.from(f.body.filter((x) => x !== 0)) }, { eol: e, contentLength: 'keep' })),
  fc.tuple(frame, eol, fc.nat(), fc.constantFrom('second', 'other value', '')).map(([f, e, a, other]) => {
    const w = open(f, e);
    const i = headerLine(w, a);
    const colon = w.lines[i].indexOf(':');
    w.lines.splice(i + 1, 0, w.lines[i].slice(0, colon + 1) + other);
    if (w.body.length > 0) w.lines.push(`content-length:${w.body.length + 1}`); // a repeated content-length: the first counts
    return close(w);
  }),
);

const mutatedFrame: fc.Arbitrary<Buffer> = fc
  .tuple(frame, eol, fc.oneof(...Object.values(MUTATIONS)), fc.nat(), fc.nat())
  .map(([f, e, mutate, a, b]) => mutate(open(f, e), a, b));

/** A header line over our parser's 64 KiB line limit: rare, because it is large. */
const oversizedFrame = fc.tuple(frame, eol).map(([f, e]) => {
  const w = open(f, e);
  w.lines.push('x-big:' + 'a'.repeat(64 * 1024 + 1));
  return close(w);
});

/** One to three frames, each followed by heart-beat EOLs; 3 in 8 valid, the rest mutated, one in 200 oversized. */
const wireInput: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 199,
    arbitrary: fc
      .array(fc.tuple(fc.oneof({ weight: 3, arbitrary: validFrame }, { weight: 5, arbitrary: mutatedFrame }), heartbeats), { minLength: 1, maxLength: 3 })
      .map((parts) => Buffer.concat(parts.flatMap(([bytes, hb]) => [bytes, Buffer.from(hb)]))),
  },
  { weight: 1, arbitrary: oversizedFrame },
);

/** The generated corpus: the same `n` inputs for the same seed. */
export function differentialCorpus(seed: number, n: number): Buffer[] {
  return fc.sample(wireInput, { seed, numRuns: n });
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison

/** A frame as an application sees it: repeated headers resolved (first wins), sorted by name; body as hex. */
export interface NormalFrame {
  command: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface Comparison {
  input: Buffer;
  ours: { frames: NormalFrame[]; error?: StompViolation };
  /** stompjs never reports an error: a frame it cannot read is passed on as read, or waited for forever. */
  stompjs: { frames: NormalFrame[] };
  /** Our frames with their header lists (wire order, repeats kept), for the classifier. */
  oursRaw: StompFrame[];
  agree: boolean;
}

function normalHeaders(entries: Iterable<[string, string]>): Array<[string, string]> {
  const firstWins = new Map<string, string>();
  for (const [n, v] of entries) if (!firstWins.has(n)) firstWins.set(n, v);
  return [...firstWins].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

const hex = (body: Uint8Array) => Buffer.from(body).toString('hex');

/** stompjs as its Client runs after a 1.2 CONNECTED: Parser, then FrameImpl.fromRawFrame with header escaping on. */
function runStompjs(input: Buffer): NormalFrame[] {
  const frames: NormalFrame[] = [];
  const parser = new Parser(
    (raw: IRawFrameType) => {
      const f = FrameImpl.fromRawFrame(raw, true);
      frames.push({ command: f.command, headers: normalHeaders(Object.entries(f.headers)), body: hex(f.binaryBody) });
    },
    () => {},
  );
  parser.parseChunk(input.buffer.slice(input.byteOffset, input.byteOffset + input.length) as ArrayBuffer);
  return frames;
}

export function compareParsers(input: Buffer): Comparison {
  const oursRaw: StompFrame[] = [];
  let error: StompViolation | undefined;
  for (const e of parseAll(input)) {
    if (e.type === 'frame') oursRaw.push(e.frame);
    else if (e.type === 'error') error = e.error;
  }
  const ours = { frames: oursRaw.map((f) => ({ command: f.command, headers: normalHeaders(f.headers), body: hex(f.body) })), error };
  const stompjs = { frames: runStompjs(input) };
  const agree = !error && JSON.stringify(ours.frames) === JSON.stringify(stompjs.frames);
  return { input, ours, stompjs, oursRaw, agree };
}

// ---------------------------------------------------------------------------------------------------------------
// Classification

export const DISAGREEMENT_CLASSES = {
  'undefined-escape': 'STOMP 1.2 "Value Encoding": undefined escape sequences such as \\t MUST be treated as a fatal protocol error (S-5); our parser stops, stompjs passes the backslash through.',
  'escape-decoding-order': 'STOMP 1.2 "Value Encoding" maps each escape to one octet, so `\\\\r` is a backslash then `r` (S-5, no nested decoding); stompjs decodes with successive replace() passes and yields backslash + CR (or LF, colon).',
  'header-name-escapes': 'STOMP 1.2 "Value Encoding" applies the escapes to the headers, names included (S-5); stompjs decodes values only, so an escaped name keeps its backslashes.',
  'whitespace-trimmed': 'STOMP 1.2 "Augmented BNF" gives header-name and header-value no optional whitespace, so spaces (and U+00A0, U+FEFF) belong to them (S-5: never trimmed); stompjs trims both with /\\s/.',
  'missing-nul': 'STOMP 1.2 "Header content-length" (under "Body"): exactly that many octets are read and "the frame still needs to be terminated with a NUL octet" (S-4); stompjs drops whatever octet follows the counted body.',
  'bad-content-length': 'STOMP 1.2 "Header content-length": the value is an octet count (S-4), a malformed one is an error (S-9); stompjs reads it with parseInt, so `3x` and ` 3` count 3, `0x1` counts 0, and a non-number never ends the body.',
  'header-without-colon': 'STOMP 1.2 "Augmented BNF": header = header-name ":" header-value, so a line without a colon is malformed (S-9); stompjs keeps collecting the name across the EOL up to the next colon.',
  'empty-header-name': 'STOMP 1.2 "Augmented BNF": header-name = 1*<any OCTET except CR or LF or ":">, at least one octet (S-9); stompjs accepts an empty name.',
  'unescaped-colon': 'STOMP 1.2 "Augmented BNF": header-value excludes ":" (it must travel as \\c, "Value Encoding"); stompjs keeps the raw colon in the value.',
  'bare-cr': 'STOMP 1.2 "Augmented BNF": EOL = [CR] LF, so a CR not followed by LF is not an EOL and is excluded from names and values (S-3); stompjs silently drops CR octets between frames, in commands and in values (and keeps them in names).',
  'invalid-command': 'STOMP 1.2 "Augmented BNF": a command is one of the upper-case client or server commands, and only EOLs may follow a frame\'s NUL (S-3); stompjs takes any text (or skips stray NULs) as it comes.',
  'invalid-utf8': 'STOMP 1.2 "Value Encoding": commands and headers are encoded in UTF-8; stompjs decodes with a non-fatal TextDecoder that turns bad octets into U+FFFD.',
  'size-limit': 'STOMP 1.2 "Size Limits": a server MAY limit header line length, header count and body size and SHOULD answer ERROR then close (S-11); both readings conform: ours refuses header lines over 64 KiB and a content-length over 64 MiB, stompjs has no limit and waits for the octets.',
} as const;

export type DisagreementClass = keyof typeof DISAGREEMENT_CLASSES;

const RULE_CLASS: Partial<Record<StompRule, DisagreementClass>> = {
  'undefined-escape': 'undefined-escape',
  'missing-nul': 'missing-nul',
  'bad-content-length': 'bad-content-length',
  'header-without-colon': 'header-without-colon',
  'empty-header-name': 'empty-header-name',
  'unescaped-colon': 'unescaped-colon',
  'cr-without-lf': 'bare-cr',
  'invalid-command': 'invalid-command',
  'invalid-utf8': 'invalid-utf8',
  'limit-exceeded': 'size-limit',
};

/** The header-decoding habits of stompjs's FrameImpl.fromRawFrame, each of which can be switched off in the model. */
type HeaderHabit = 'whitespace-trimmed' | 'header-name-escapes' | 'escape-decoding-order';
const HABITS: HeaderHabit[] = ['escape-decoding-order', 'header-name-escapes', 'whitespace-trimmed'];

const trimJs = (s: string) => s.replace(/^\s+|\s+$/g, '');
const replaceUnescape = (s: string) => s.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\c/g, ':').replace(/\\\\/g, '\\');
const oneByOneUnescape = (s: string) => s.replace(/\\([rnc\\])/g, (_, e: string) => ({ r: '\r', n: '\n', c: ':', '\\': '\\' })[e]!);

/**
 * What stompjs makes of the headers of a frame our strict parser accepted, with the given habits on. The wire text is
 * recovered by re-escaping: in strict mode every accepted escape is defined, so escaping is the exact inverse.
 */
function modelStompjsHeaders(f: StompFrame, habits: Set<HeaderHabit>): Array<[string, string]> {
  const escaped = !UNESCAPED_COMMANDS.has(f.command);
  return normalHeaders(
    f.headers.map(([name, value]): [string, string] => {
      let n = escaped ? escapeHeader(name) : name;
      let v = escaped ? escapeHeader(value) : value;
      if (habits.has('whitespace-trimmed')) [n, v] = [trimJs(n), trimJs(v)];
      if (escaped) {
        if (!habits.has('header-name-escapes')) n = oneByOneUnescape(n);
        v = habits.has('escape-decoding-order') ? replaceUnescape(v) : oneByOneUnescape(v);
      }
      return [n, v];
    }),
  );
}

/** The habit that explains a header difference: the model with every habit must match, and this one must matter. */
function explainHeaders(f: StompFrame, theirs: NormalFrame): DisagreementClass | undefined {
  const same = (h: Array<[string, string]>) => JSON.stringify(h) === JSON.stringify(theirs.headers);
  if (!same(modelStompjsHeaders(f, new Set(HABITS)))) return undefined;
  return HABITS.find((h) => !same(modelStompjsHeaders(f, new Set(HABITS.filter((x) => x !== h)))));
}

/**
 * The class of a disagreement, judged at the first point where the two readings part in stream order: a frame both read
 * differently, else our fatal error. `undefined` when nothing known explains it (a new class, or a bug).
 */
export function classifyDisagreement(c: Comparison): { id: DisagreementClass; explanation: string } | undefined {
  const id = disagreementClass(c);
  return id && { id, explanation: DISAGREEMENT_CLASSES[id] };
}

function disagreementClass(c: Comparison): DisagreementClass | undefined {
  if (c.agree) return undefined;
  for (let i = 0; i < c.ours.frames.length; i++) {
    const mine = c.ours.frames[i];
    const theirs = c.stompjs.frames[i];
    if (!theirs) return undefined;
    if (JSON.stringify(mine) === JSON.stringify(theirs)) continue;
    if (mine.command !== theirs.command || mine.body !== theirs.body) return undefined;
    return explainHeaders(c.oursRaw[i], theirs);
  }
  if (c.ours.error) return RULE_CLASS[c.ours.error.rule];
  return undefined;
}

/**
 * Octets as an escaped string literal: printable ASCII as is, control and non-ASCII octets escaped; | and ` too, so
 * that an example can sit in a Markdown table cell.
 */
export function showInput(bytes: Uint8Array, max = 160): string {
  let out = '';
  const named: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x00: '\\0', 0x09: '\\t', 0x5c: '\\\\', 0x60: '\\x60', 0x7c: '\\x7c' };
  for (const b of bytes.subarray(0, max)) out += named[b] ?? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`);
  return bytes.length > max ? `${out}… (${bytes.length} octets)` : out;
}
