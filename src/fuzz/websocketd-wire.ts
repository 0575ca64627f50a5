import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import type { WebsocketdTarget } from '../target/target.ts';
import { serviceUrl } from '../target/wazo-control.ts';
import { showBytes, type Transcript } from '../transport/transcript.ts';
import { FlowError } from '../transport/stomp-session.ts';
import { RecordingWebSocket, WaitTimeoutError } from '../transport/ws-client.ts';
import { trickyText } from './arbitraries.ts';
import type { Finding, FuzzProperty } from './property.ts';

/**
 * Client messages for the Wazo websocketd fuzz case (W-6 alone: which messages are protocol errors, closed with
 * 4004, and which are not; the shape of init and of replies belongs to W-2/W-7, silence after start to W-9): valid `subscribe` and
 * `start` with mutated fields, unknown operations, invalid JSON, JSON that is not an object, binary frames. Values are
 * plain JSON so that a saved counterexample replays as is; what each message must cause is computed from its text
 * (`expectation`), never stored in the value, so a shrunk or hand-edited input is always judged by the same rules.
 */
export interface ClientMessage {
  kind: 'text' | 'binary';
  /** The message; a binary message carries these characters' UTF-8 octets. */
  text: string;
}

/**
 * What a message must cause. `either`: the contract is silent, so the documented reply or a 4004 close are both fine.
 * `unjudged`: an op of the newer protocols (ping, token) on a server that speaks them: W-12's matter; the input ends.
 */
export type Outcome = 'reply' | 'close' | 'either' | 'silent' | 'unjudged';
export interface Expectation {
  outcome: Outcome;
  /** The op of the documented reply (`reply`, `either`). */
  op?: 'subscribe' | 'start';
  why: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** Ops of the newer protocols (W-12), known to every profile but the documented one even without `?version=2`. */
const NEWER_OPS = new Set(['ping', 'token']);

/** The oracle for one message, given whether the session has started and the target's profile. */
export function expectation(m: ClientMessage, started: boolean, profile = 'documented'): Expectation {
  if (m.kind === 'binary') return { outcome: 'close', why: 'a binary frame (W-6.6)' };
  let msg: unknown;
  try {
    msg = JSON.parse(m.text);
  } catch {
    return { outcome: 'close', why: 'not valid JSON' };
  }
  if (!isObject(msg)) return { outcome: 'close', why: 'JSON that is not an object (W-6.7)' };
  if (msg.op === undefined) return { outcome: 'close', why: 'op is missing' };
  // The documented format is {"op", "data"}; the contract says nothing of other keys: accept either reading.
  const extra = Object.keys(msg).some((k) => k !== 'op' && k !== 'data');
  if (msg.op === 'subscribe') {
    const d = msg.data;
    if (!isObject(d)) return { outcome: 'close', why: `subscribe with data ${d === undefined ? 'missing' : 'not an object'}` };
    if (typeof d.event_name !== 'string') return { outcome: 'close', why: `subscribe with data.event_name ${'event_name' in d ? 'not a string (W-6.8)' : 'missing'}` };
    // Keys of data beside event_name are not documented either way.
    const loose = extra || Object.keys(d).length > 1;
    // W-9: after start a subscribe gets no reply; a 4004 for the undocumented keys is still accepted (judged at the next wait).
    if (started) return { outcome: 'silent', why: `subscribe after start${loose ? ' with undocumented keys' : ''} (W-9: no reply)` };
    return { outcome: loose ? 'either' : 'reply', op: 'subscribe', why: `subscribe${loose ? ' with undocumented keys' : ''}` };
  }
  if (msg.op === 'start') {
    // W-7.5: data is optional for start, and nothing says what it holds; data that is not an object is not documented.
    const odd = extra || (msg.data !== undefined && !isObject(msg.data));
    return { outcome: odd ? 'either' : 'reply', op: 'start', why: `start${odd ? ' with undocumented keys or a data that is not an object' : ''}` };
  }
  if (profile !== 'documented' && typeof msg.op === 'string' && NEWER_OPS.has(msg.op)) return { outcome: 'unjudged', why: `the ${msg.op} op of the newer protocols (W-12, not judged here)` };
  return { outcome: 'close', why: `unknown operation ${JSON.stringify(msg.op)}` };
}

/** Whether a message is a `start` (the generator sends at most one: the contract does not say what a second one gets). */
const isStart = (m: ClientMessage) => m.kind === 'text' && expectation(m, false).op === 'start';

const name = fc.oneof(fc.stringMatching(/^fz[a-z0-9_.]{0,8}$/), trickyText(1, 8), fc.constantFrom('', '*', 'call_created', 'é東🎥'));
const scalar = fc.oneof(fc.integer({ min: -9, max: 99 }), fc.double({ noNaN: true, noDefaultInfinity: true }), trickyText(0, 6), fc.boolean(), fc.constant(null));
const anyJson = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), scalar, { maxKeys: 2 }));
const notObject = fc.oneof(scalar, fc.array(anyJson, { maxLength: 2 }));
/** Keys beside the documented ones (prefix `fz`, so never op, data or event_name). */
const extras = fc.dictionary(fc.oneof(fc.stringMatching(/^fz[a-z]{0,4}$/), trickyText(1, 4).map((k) => `fz${k}`)), anyJson, { minKeys: 1, maxKeys: 2 });

const text = (x: unknown): ClientMessage => ({ kind: 'text', text: JSON.stringify(x) });

const validSubscribe = name.map((event_name) => ({ op: 'subscribe', data: { event_name } }));
const validStart = fc.oneof(fc.constant<Record<string, unknown>>({ op: 'start' }), fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), scalar, { maxKeys: 2 }).map((data) => ({ op: 'start', data })));

const mutatedSubscribe = fc.oneof(
  fc.constant({ op: 'subscribe' }),
  notObject.map((data) => ({ op: 'subscribe', data })),
  fc.constant({ op: 'subscribe', data: {} }),
  fc.oneof(scalar.filter((x) => typeof x !== 'string'), fc.array(name, { maxLength: 2 }), fc.record({ event_name: name })).map((event_name) => ({ op: 'subscribe', data: { event_name } })),
  fc.tuple(validSubscribe, extras).map(([s, x]) => ({ ...s, ...x })),
  fc.tuple(name, extras).map(([event_name, x]) => ({ op: 'subscribe', data: { event_name, ...x } })),
);
const mutatedStart = fc.oneof(
  anyJson.map((data) => ({ op: 'start', data })),
  fc.tuple(validStart, extras).map(([s, x]) => ({ ...s, ...x })),
);
const unknownOp = fc.tuple(
  fc.oneof(
    fc.constantFrom('teleport', 'ping', 'pong', 'token', 'init', 'event', 'Subscribe', 'START', 'start ', ' subscribe', 'subscribe\u0000', 'stárt', ''),
    fc.stringMatching(/^[a-z_]{1,10}$/),
    trickyText(1, 6),
    notObject.filter((x) => x !== undefined),
  ).filter((op) => op !== 'subscribe' && op !== 'start'),
  fc.option(fc.oneof(anyJson, name.map((event_name) => ({ event_name }))), { nil: undefined }),
).map(([op, data]) => (data === undefined ? { op } : { op, data }));
const withoutOp = fc.option(anyJson, { nil: undefined }).map((data) => (data === undefined ? {} : { data }));

const invalidJson = fc
  .oneof(
    // A prefix of a valid message is never valid JSON.
    fc.tuple(fc.oneof(validSubscribe, validStart), fc.double({ min: 0, max: 0.99, noNaN: true })).map(([m, f]) => {
      const s = JSON.stringify(m);
      return s.slice(0, Math.floor(f * s.length));
    }),
    fc.constantFrom("{'op': 'start'}", '{op: "start"}', '{"op": "start",}', '{"op": "start"} x', '{"op": "start"}{"op": "start"}', 'NaN', '\ufeff{"op":"start"}', ' '),
    trickyText(1, 10),
  )
  .filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  })
  .map((s): ClientMessage => ({ kind: 'text', text: s }));

const binary = fc.oneof(fc.oneof(validSubscribe, validStart).map((m) => JSON.stringify(m)), trickyText(0, 10)).map((s): ClientMessage => ({ kind: 'binary', text: s }));

export const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  { weight: 4, arbitrary: validSubscribe.map(text) },
  { weight: 2, arbitrary: validStart.map(text) },
  { weight: 3, arbitrary: mutatedSubscribe.map(text) },
  { weight: 2, arbitrary: mutatedStart.map(text) },
  { weight: 2, arbitrary: unknownOp.map(text) },
  { weight: 1, arbitrary: withoutOp.map(text) },
  { weight: 2, arbitrary: invalidJson },
  { weight: 1, arbitrary: notObject.map(text) },
  { weight: 1, arbitrary: binary },
);

/**
 * One input: 1–3 messages on a fresh connection, at most one of them a start. Each slot is an option rather than an
 * array item: fast-check shrinks an option to nothing wherever it stands, while an array only loses its first items,
 * so a counterexample sheds the messages before and after the one that failed alike.
 */
const slot = fc.option(clientMessage, { nil: null, freq: 3 });
export const clientMessages: fc.Arbitrary<ClientMessage[]> = fc
  .tuple(slot, slot, slot)
  .map((slots) => slots.filter((m): m is ClientMessage => m !== null))
  .filter((ms) => ms.length >= 1 && ms.filter(isStart).length <= 1);

/**
 * Sent after the input when the connection is still open: a protocol error whose 4004 close is a synchronisation
 * point, so that a reply owed to nobody (a subscribe after start, W-9) is seen without waiting out a quiet period.
 */
export const TERMINATOR: ClientMessage = { kind: 'text', text: 'fz: end of input (not JSON)' };

const octets = (m: ClientMessage) => Buffer.byteLength(m.text, 'utf8');

export function showMessages(ms: ClientMessage[], profile = 'documented'): { text: string; octets: number } {
  let started = false;
  const shown: Record<Outcome, (e: Expectation) => string> = {
    silent: () => 'no reply',
    close: () => 'close 4004',
    either: (e) => `${e.op} reply or close 4004`,
    reply: (e) => `${e.op} reply`,
    unjudged: () => 'not judged (the input ends here)',
  };
  const lines = ms.map((m, i) => {
    const e = expectation(m, started, profile);
    if (e.op === 'start') started = true;
    return `${i + 1}. ${m.kind} ${showBytes(Buffer.from(m.text, 'utf8'))}  → ${shown[e.outcome](e)} (${e.why})`;
  });
  return { text: lines.join('\n'), octets: ms.reduce((n, m) => n + octets(m), 0) };
}

type Seen = { kind: 'message'; json: unknown; raw: string } | { kind: 'closed'; code: number; reason: string; by: string } | { kind: 'nothing' };

/** The next thing the server does within `ms`; bus events after start are passed over (W-8 judges them, not W-6). */
async function nextSeen(ws: RecordingWebSocket, ms: number, started: boolean): Promise<Seen> {
  const deadline = Date.now() + ms;
  for (;;) {
    let m;
    try {
      m = await ws.next(Math.max(1, deadline - Date.now()));
    } catch (err) {
      if (err instanceof WaitTimeoutError) return { kind: 'nothing' };
      throw err;
    }
    if (!m) {
      const c = await ws.closed;
      return { kind: 'closed', code: c.code, reason: c.reason, by: c.by };
    }
    const raw = m.data.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    if (started && isObject(json) && json.op === undefined && typeof json.name === 'string') {
      ws.transcript.note('a bus event after start, passed over (judged by the W-8 cases)');
      continue;
    }
    return { kind: 'message', json, raw: m.binary ? `(binary) ${raw}` : raw };
  }
}

function describeSeen(s: Seen, waited: number): string {
  if (s.kind === 'nothing') return `nothing within ${waited} ms and the connection is still open (a hang)`;
  if (s.kind === 'closed') return `the connection was closed with code ${s.code}${s.reason ? ` "${s.reason}"` : ''} by the ${s.by}`;
  return `the message ${s.raw.slice(0, 200)}`;
}

/** A reply to `op`, whatever its envelope (`msg` or `data`: W-7's matter, not W-6's). */
function isReply(s: Seen, op: string): boolean {
  return s.kind === 'message' && isObject(s.json) && s.json.op === op && s.json.code === 0;
}

const replyText = (op: string) => `{"op":"${op}","code":0,…}`;

/**
 * Runs one input on an initialised connection; undefined when every message got what W-6 says. A server that sends
 * no init cannot be fuzzed at all: that is a broken flow (W-2 judges init), never a W-6 finding.
 */
async function judge(ws: RecordingWebSocket, ms: ClientMessage[], t: { responseMs: number; closeMs: number }, profile: string): Promise<Finding> {
  const init = await nextSeen(ws, t.responseMs, false);
  if (!isReply(init, 'init')) throw new FlowError(`no init message to start the fuzz input from (W-2 judges init): ${describeSeen(init, t.responseMs)}`);
  let started = false;
  /** Silent steps (subscribe after start) whose stray reply is W-9's matter: passed over, not judged here. */
  let strayAllowed = 0;
  const steps = [...ms.map((m, i) => ({ m, label: `message ${i + 1}` })), { m: TERMINATOR, label: 'the terminator' }];
  for (const { m, label } of steps) {
    const e = expectation(m, started, profile);
    ws.transcript.note(`${label}: ${e.why}; expected: ${e.outcome}`);
    ws.send(m.kind === 'text' ? m.text : Buffer.from(m.text, 'utf8'), { binary: m.kind === 'binary' });
    if (e.outcome === 'unjudged') return undefined;
    if (e.outcome === 'silent') {
      strayAllowed++;
      continue;
    }
    const waited = e.outcome === 'reply' ? t.responseMs : t.responseMs + t.closeMs;
    let seen = await nextSeen(ws, waited, started);
    while (strayAllowed > 0 && isReply(seen, 'subscribe')) {
      strayAllowed--;
      ws.transcript.note('a reply to a subscribe after start, passed over (judged by the W-9 cases)');
      seen = await nextSeen(ws, waited, started);
    }
    const closeOk = seen.kind === 'closed' && seen.code === 4004 && seen.by === 'server';
    const replyOk = e.op !== undefined && isReply(seen, e.op);
    const ok = e.outcome === 'reply' ? replyOk : e.outcome === 'close' ? closeOk : replyOk || closeOk;
    if (!ok) {
      const want = e.outcome === 'close' ? 'the server closes with 4004' : e.outcome === 'reply' ? replyText(e.op!) : `${replyText(e.op!)} or a 4004 close`;
      return { expected: `${label} (${e.why}): ${want}`, actual: describeSeen(seen, waited) };
    }
    if (seen.kind === 'closed') return undefined;
    if (e.op === 'start') started = true;
  }
  return undefined;
}

/** W-6.F1: one token for the whole property (setup), a fresh connection per input (a protocol error ends it). */
export function clientMessagesProperty(target: WebsocketdTarget, issueToken: () => Promise<string>): FuzzProperty<ClientMessage[]> {
  const { responseMs, closeMs } = target.timeouts;
  let token: string | undefined;
  return {
    arbitrary: clientMessages,
    // init, three messages and the terminator, each within its own bounded wait, and the connection's opening.
    perRunMs: responseMs + 4 * (responseMs + closeMs) + 5000,
    show: (ms) => showMessages(ms, target.profile),
    async setup() {
      token = await issueToken();
    },
    async check(ms, record?: (t: Transcript) => void) {
      const ws = await RecordingWebSocket.open(serviceUrl(target, token), { insecure: target.insecure, redact: [token!] }, record ? 'fuzz: the shrunk input' : 'fuzz');
      record?.(ws.transcript);
      try {
        return await judge(ws, ms, { responseMs, closeMs }, target.profile);
      } finally {
        await ws.close().catch(() => undefined);
      }
    },
  };
}
