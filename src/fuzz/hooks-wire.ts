import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { hookAuthorization } from '../hooks/signature.ts';
import type { HooksBackendTarget } from '../target/target.ts';
import { RecordingHttp } from '../transport/http-client.ts';
import { showBytes, Transcript } from '../transport/transcript.ts';
import { trickyText } from './arbitraries.ts';
import type { Finding, FuzzProperty } from './property.ts';

/**
 * REST hook bodies for the fuzz suite (backend role: the harness plays WCS). Each input is a documented hook body
 * mutated (fields deleted or retyped, huge or multi-byte strings, extra keys, deep nesting), or text that is not JSON,
 * or JSON that is not an object. The value is plain JSON: `body` is the exact text POSTed, so a saved counterexample
 * replays octet for octet.
 */
export interface MutatedHook {
  method: string;
  /** The exact request body, signed as is. */
  body: string;
  /** What was done to the documented body, for the report. */
  why: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Jackson (WCS and most Java backends) refuses nesting beyond 1000 levels by default: deeper inputs test the JSON
 * library's limits more than the backend's hook handling, so generation stops there.
 */
const MAX_DEPTH = 1000;

/** Values of every JSON type, for retyping a field (string ↔ number ↔ null ↔ array ↔ object ↔ boolean). */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  trickyText(0, 8),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.oneof(fc.integer(), trickyText(0, 4), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(trickyText(0, 4), fc.oneof(fc.integer(), trickyText(0, 4)), { maxKeys: 3 }),
);

/**
 * Number and nesting texts that no JS value serializes to: out-of-range and over-precise numbers, deep arrays and
 * objects. They are spliced in for a placeholder after serialization.
 */
const rawValue = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '-0', '123456789012345678901234567890', '0.1e-400', '9007199254740993'),
  fc.tuple(fc.integer({ min: 2, max: MAX_DEPTH }), fc.boolean()).map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`,
  ),
);

/** One change to a hook body; `at` picks a field by index (modulo the number of fields). */
type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'retype'; at: number; value: Json }
  | { kind: 'text'; at: number; value: string }
  | { kind: 'huge'; at: number; unit: string; times: number }
  | { kind: 'extra'; key: string; value: Json }
  | { kind: 'raw'; at: number; text: string };

const at = fc.nat({ max: 31 });
// Cross-shrinking lets a counterexample shrink towards the first kinds (a deleted field, a retyped one).
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { withCrossShrink: true },
  fc.record({ kind: fc.constant('delete' as const), at }),
  fc.record({ kind: fc.constant('retype' as const), at, value: anyValue }),
  fc.record({ kind: fc.constant('text' as const), at, value: trickyText(0, 40) }),
  // Up to 2^16 repeats of up to 4 multi-byte characters: bodies of up to about 1 MB.
  fc.record({ kind: fc.constant('huge' as const), at, unit: trickyText(1, 4), times: fc.integer({ min: 1024, max: 65_536 }) }),
  fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(trickyText(0, 8), fc.constantFrom('__proto__', 'constructor', 'restClientConfig', 'status', 'reason')), value: anyValue }),
  fc.record({ kind: fc.constant('raw' as const), at, text: rawValue }),
);

const placeholder = (i: number) => `\u0000raw${i}\u0000`;

/** Applies the mutations to a copy of the body and serializes it; raw texts replace their placeholders. */
function mutate(base: Record<string, unknown>, mutations: readonly Mutation[]): { body: string; why: string } {
  const body: Record<string, unknown> = structuredClone(base);
  const raws: string[] = [];
  const why: string[] = [];
  const field = (i: number) => {
    const keys = Object.keys(body);
    return keys.length ? keys[i % keys.length] : `fz${i}`;
  };
  for (const m of mutations) {
    const key = m.kind === 'extra' ? m.key : field(m.at);
    if (m.kind === 'delete') delete body[key];
    else if (m.kind === 'huge') body[key] = m.unit.repeat(m.times);
    else if (m.kind === 'raw') body[key] = placeholder(raws.push(m.text) - 1);
    // defineProperty, so that "__proto__" becomes an own key (sent on the wire) rather than the prototype.
    else Object.defineProperty(body, key, { value: m.value, enumerable: true, writable: true, configurable: true });
    why.push(describeMutation(m, key));
  }
  let text = JSON.stringify(body);
  raws.forEach((raw, i) => (text = text.replace(JSON.stringify(placeholder(i)), raw)));
  return { body: text, why: why.join('; ') };
}

function describeMutation(m: Mutation, key: string): string {
  const k = JSON.stringify(key);
  switch (m.kind) {
    case 'delete': return `${k} deleted`;
    case 'huge': return `${k} = ${m.times} × ${JSON.stringify(m.unit)} (${Buffer.byteLength(m.unit) * m.times} octets)`;
    case 'raw': return `${k} = ${m.text.length > 24 ? `${m.text.slice(0, 12)}…(${m.text.length} chars)` : m.text}`;
    case 'extra': return `extra key ${k} = ${JSON.stringify(m.value)}`;
    default: return `${k} = ${JSON.stringify(m.value)}`;
  }
}

/** Bodies that are not JSON: the documented body cut short, spliced with stray text, or prose. */
function notJson(serialized: string): fc.Arbitrary<{ body: string; why: string }> {
  return fc.oneof(
    fc.double({ min: 0, max: 0.99, noNaN: true }).map((f) => {
      const cut = Math.floor(f * serialized.length);
      return { body: serialized.slice(0, cut), why: `cut after ${cut} of ${serialized.length} chars` };
    }),
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), trickyText(1, 6)).map(([f, junk]) => {
      const i = Math.floor(f * serialized.length);
      return { body: serialized.slice(0, i) + junk + serialized.slice(i), why: `${JSON.stringify(junk)} inserted at char ${i}` };
    }),
    fc.constantFrom(
      { body: '', why: 'an empty body' },
      { body: `\ufeff${serialized}`, why: 'a byte-order mark before the JSON' },
      { body: serialized.replace(/"/g, "'"), why: 'single quotes' },
      { body: `${serialized}}`, why: 'a stray } after the object' },
      { body: serialized.replace(/}$/, ',}'), why: 'a trailing comma' },
      { body: '{"nodeId": NaN}', why: 'NaN' },
      { body: '{/* c */}', why: 'a comment' },
    ),
    trickyText(1, 30).map((t) => ({ body: t, why: 'text that is not JSON' })),
  ).filter(({ body }) => !parses(body));
}

/** JSON that is not an object: scalars, arrays (the documented body wrapped in one among them). */
function notObject(base: Record<string, unknown>): fc.Arbitrary<{ body: string; why: string }> {
  return fc.oneof(
    fc.constant({ body: JSON.stringify([base]), why: 'the body inside an array' }),
    fc.constant({ body: JSON.stringify(JSON.stringify(base)), why: 'the body as a JSON string' }),
    fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), trickyText(0, 10), fc.array(anyValue, { maxLength: 3 })).map((v) => ({ body: JSON.stringify(v), why: 'JSON that is not an object' })),
  );
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Mutated hooks: a documented method (its path is never mutated) with a body of one of the three kinds. */
export function mutatedHooks(hooks: Record<string, Record<string, unknown>>): fc.Arbitrary<MutatedHook> {
  // Shortest body first: fast-check shrinks towards the first constant, so counterexamples stay short.
  const methods = Object.keys(hooks)
    .filter((k) => !k.startsWith('$'))
    .sort((a, b) => JSON.stringify(hooks[a]).length - JSON.stringify(hooks[b]).length);
  return fc.constantFrom(...methods).chain((method) => {
    const base = hooks[method];
    const kind = fc.oneof(
      { withCrossShrink: true },
      { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => mutate(base, ms)) },
      { weight: 2, arbitrary: notJson(JSON.stringify(base)) },
      { weight: 1, arbitrary: notObject(base) },
    );
    return kind.map(({ body, why }) => ({ method, body, why }));
  });
}

/** A judgement of one answer (or of the failure to get one). */
export function judgeAnswer(
  outcome: { status: number; contentType: string; text: string; json: unknown; ms: number } | { error: string; ms: number },
  limitMs: number,
): Finding {
  const expected = `within ${limitMs} ms: 200 with a JSON body (Content-Type application/json), or a 4xx/5xx status (a 5xx with a body)`;
  if ('error' in outcome) {
    const e = outcome.error;
    const what = /timeout/i.test(e) ? 'no answer: timed out' : /ECONNREFUSED/.test(e) ? 'connection refused (the backend is down, perhaps since an earlier input)' : 'the connection dropped without an answer';
    return { expected, actual: `${what} after ${outcome.ms.toFixed(0)} ms (${e})` };
  }
  const { status, contentType, text, json, ms } = outcome;
  if (limitMs > 0 && ms >= limitMs) return { expected, actual: `HTTP ${status} after ${ms.toFixed(0)} ms, beyond rest_request_timeout` };
  if (status === 200) {
    if (!/^application\/json\b/i.test(contentType)) return { expected, actual: `HTTP 200 with Content-Type ${contentType || '(none)'}: ${preview(text)}` };
    if (!text.length || json === undefined) return { expected, actual: `HTTP 200 with a body that is not JSON: ${preview(text)}` };
    return undefined;
  }
  if (status < 400 || status > 599) return { expected, actual: `HTTP ${status}: neither 200 nor 4xx/5xx` };
  if (status >= 500 && !text.length) return { expected, actual: `HTTP ${status} with an empty body` };
  return undefined;
}

const preview = (text: string) => (text.length ? JSON.stringify(text.slice(0, 120)) + (text.length > 120 ? '…' : '') : '(empty)');

/**
 * The property: each mutated hook is POSTed as WCS would (Content-Type application/json, signed with the target's
 * HMAC key when it declares rest_hook_send_hash, so that the body, not the signature, is what gets judged).
 */
export function hookAnswerProperty(target: HooksBackendTarget, arbitrary: fc.Arbitrary<MutatedHook>): FuzzProperty<MutatedHook> {
  const limitS = target.settings.rest_request_timeout;
  // rest_request_timeout=0 means "no limit" for WCS; the harness still needs a deadline.
  const waitMs = limitS > 0 ? limitS * 1000 : target.timeouts.responseMs * 5;
  const key = target.settings.rest_hook_send_hash ? target.settings.rest_hook_secret_key : undefined;
  return {
    arbitrary,
    perRunMs: waitMs + 3000,
    show: (v) => {
      const octets = Buffer.byteLength(v.body);
      const body = octets > 600 ? `${showBytes(Buffer.from(v.body.slice(0, 300), 'utf8'))}… (${octets} octets)` : showBytes(Buffer.from(v.body, 'utf8'));
      return { text: `POST /${v.method} ${body} (${v.why})`, octets };
    },
    async check(v, record) {
      const transcript = new Transcript(record ? `fuzz: the shrunk input (${v.method})` : `fuzz: ${v.method}`);
      record?.(transcript);
      transcript.note(v.why);
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (key) {
        headers.authorization = hookAuthorization(v.body, key);
        transcript.redact(key, 'rest_hook_secret_key');
      }
      const http = new RecordingHttp(transcript, target.insecure);
      const started = performance.now();
      try {
        const r = await http.send('POST', `${target.url}/${v.method}`, { headers, body: v.body, timeoutMs: waitMs });
        return judgeAnswer({ status: r.status, contentType: r.headers['content-type'] ?? '', text: r.text, json: r.json, ms: r.ms }, limitS * 1000);
      } catch (err) {
        return judgeAnswer({ error: (err as Error).message, ms: performance.now() - started }, limitS * 1000);
      }
    },
  };
}
