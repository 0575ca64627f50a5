import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { header, parseAll, type ParsedFrame } from '../stomp/index.ts';
import { showBytes, type Transcript, type TranscriptEntry } from '../transport/transcript.ts';
import { redact, redactBytes } from './redact.ts';

/**
 * Observations: what a case saw, as structured measurements that are the same on two runs against the same server
 * (no random names, no timestamps, no ports). `rtc-conformance diff` compares them case by case, each kind with its
 * own tolerance. They come from two places, so that every case has some without every case saying so:
 * - the case's transcripts: per connection, the close (code, reason, who closed), the ERROR `message` headers, the
 *   count of each STOMP command received, the HTTP statuses;
 * - the case's own `c.measure(...)` values, typed by their name and value (a `(ms)`/`(s)` name with a number is a
 *   timing, `status`/`code` a code, another number a count, anything else text).
 */
export type ObservationKind = 'timing' | 'count' | 'code' | 'text';
export const OBSERVATION_KINDS: readonly ObservationKind[] = ['timing', 'count', 'code', 'text'];

export interface Observation {
  name: string;
  kind: ObservationKind;
  value: number | string;
  /** Timings are in ms (a `(s)` measurement is converted). */
  unit?: 'ms';
  source: 'transcript' | 'measure';
}

/**
 * Measurements that differ from run to run by design, not observations of the server: the seed, a throughput, the
 * number of metric samples in a stream (fed by whichever OAM cases ran before, concurrently), and the heart-beats
 * counted in a window (one more or less with the window's phase; the interval and the longest gap are observed).
 */
const VOLATILE = /^(seed|inputs per second|items|heart-beats seen)$/i;

/** Where the case process writes each case's structured transcripts (set by the run, see src/run.ts). */
export const TRANSCRIPTS_DIR_ENV = 'RTC_CONFORMANCE_TRANSCRIPTS_DIR';

/** Bounds of a structured transcript file: the diff needs the frames' shape, not megabytes of fuzz input. */
const MAX_TRANSCRIPTS = 20;
const MAX_ENTRIES = 200;
const MAX_TEXT = 2048;

/**
 * Text without what changes from run to run on the same server: the harness's random destination suffixes, UUIDs,
 * loopback ports, times in ms, long hex ids.
 */
export function stableText(text: string): string {
  return text
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\b/g, '<date>')
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\brtc[-_][\w.-]*/g, maskRandomSegments)
    .replace(/\b(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:<port>')
    .replace(/\b\d+(\.\d+)? ?ms\b/g, '… ms')
    .replace(/\b\d{12,}\b/g, '<n>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(STOMP_IDS, '$1$2:<id>')
    .replace(ACK_IDS, '$1ack:<id>');
}

/**
 * STOMP headers whose values are identifiers, not behaviour: those a server picks anew on every connection (session,
 * message and server ids) and those the harness numbers as it goes (receipts, transactions). In a frame shown on one
 * line (headers after spaces) or in a transcript (after ↵). `ack` is an id in a MESSAGE but a mode in a SUBSCRIBE.
 */
const STOMP_IDS = /(^|[\s↵])(session|message-id|receipt|receipt-id|transaction|server-id):[^\s↵)]+/g;
const ACK_IDS = /(^|[\s↵])ack:(?!(?:auto|client|client-individual)(?=[\s↵)]|$))[^\s↵)]+/g;

/**
 * In a name the harness made (`rtc-S_7_1-d-k3j9x0ab`, `rtc_W_8_1_sentinel_8d274391`), the random part: a segment of
 * 8 letters or digits that has a digit, or that follows a lower-case word (`-d-`, `_event_`). `sentinel` after a
 * case id is a word, not a random part.
 */
function maskRandomSegments(token: string): string {
  const parts = token.split(/([-_.])/);
  for (let i = 2; i < parts.length; i += 2) {
    const prev = parts[i - 2];
    if (/^[a-z0-9]{8}$/.test(parts[i]) && (/\d/.test(parts[i]) || (i > 2 && /^[a-z][a-z0-9]*$/.test(prev)))) parts[i] = '…';
  }
  return parts.join('');
}

/**
 * A measurement typed by its name and value. A timing that lists several values (`1, 3, 2`) is one timing per
 * position (`name [1]`…), each compared within the timing tolerance.
 */
export function measurementObservations(name: string, raw: string): Observation[] {
  const unit = /\((ms|s)\)\s*$/.exec(name)?.[1];
  const list = raw.split(',').map((v) => v.trim());
  if (unit && list.length > 1 && list.every((v) => /^-?\d+(\.\d+)?$/.test(v))) {
    return VOLATILE.test(name) ? [] : list.map((v, i) => measurementObservation(`${name} [${i + 1}]`, v)).filter((o) => o !== undefined);
  }
  const one = measurementObservation(name, raw);
  return one ? [one] : [];
}

export function measurementObservation(name: string, raw: string): Observation | undefined {
  if (VOLATILE.test(name)) return undefined;
  const text = raw.trim();
  const num = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  const unit = /\((ms|s)\)(\s*\[\d+\])?\s*$/.exec(name)?.[1];
  if (num !== undefined && unit) return { name, kind: 'timing', value: unit === 's' ? num * 1000 : num, unit: 'ms', source: 'measure' };
  if (num !== undefined && /\b(status|code)\b/i.test(name)) return { name, kind: 'code', value: num, source: 'measure' };
  if (num !== undefined) return { name, kind: 'count', value: num, source: 'measure' };
  return { name, kind: 'text', value: stableText(redact(text)), source: 'measure' };
}

/** `{status, reason}` of a JSON response envelope (OAM), or undefined for any other body. */
function envelope(body: Uint8Array): { status: number; reason?: string } | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined;
  try {
    const e = JSON.parse(Buffer.from(body).toString('utf8')) as { status?: unknown; reason?: unknown };
    return typeof e.status === 'number' ? { status: e.status, ...(typeof e.reason === 'string' ? { reason: e.reason } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function isStomp(t: Transcript): boolean {
  return t.entries.some((e) => e.dir === 'out' && (e.kind === 'text' || e.kind === 'binary') && /^(CONNECT|STOMP)\r?\n/.test(e.data.toString('latin1', 0, 10)));
}

function stompFrames(entries: readonly TranscriptEntry[]): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (const e of entries) {
    if (e.dir !== 'in' || (e.kind !== 'text' && e.kind !== 'binary')) continue;
    for (const ev of parseAll(e.data, { mode: 'lenient' })) if (ev.type === 'frame') frames.push(ev.frame);
  }
  return frames;
}

/** What one connection shows: its close, its ERROR messages, the frames it received, its HTTP statuses. */
export function transcriptObservations(t: Transcript, label = stableText(t.label)): Observation[] {
  const out: Observation[] = [];
  const add = (name: string, kind: ObservationKind, value: number | string) => out.push({ name: `${label}: ${name}`, kind, value, source: 'transcript' });
  if (isStomp(t)) {
    const frames = stompFrames(t.entries);
    const counts = new Map<string, number>();
    for (const f of frames) counts.set(f.command, (counts.get(f.command) ?? 0) + 1);
    for (const [command, n] of [...counts].sort()) add(`${command} frames`, 'count', n);
    const errors = frames.filter((f) => f.command === 'ERROR').map((f) => stableText(redact(header(f, 'message') ?? '(no message header)')));
    if (errors.length) add('ERROR message', 'text', errors.join(' | '));
    // OAM answers: the envelope's status and reason of each response MESSAGE, in order.
    const answers = frames.filter((f) => f.command === 'MESSAGE').map((f) => envelope(f.body)).filter((e) => e !== undefined);
    if (answers.length) {
      add('response status', 'code', answers.length === 1 ? answers[0].status : answers.map((a) => a.status).join(', '));
      const reasons = answers.map((a) => a.reason).filter((r) => r !== undefined);
      if (reasons.length) add('response reason', 'text', reasons.map((r) => stableText(redact(r))).join(' | '));
    }
  }
  else {
    // JSON messages (websocketd): how many replies of each `op` came. Events (no `op`) are not counted: a case that
    // subscribes widely also sees the events of cases running beside it.
    const ops = new Map<string, number>();
    for (const e of t.entries) {
      if (e.dir !== 'in' || e.kind !== 'text') continue;
      let op: unknown;
      try {
        op = (JSON.parse(e.data.toString('utf8')) as Record<string, unknown>)?.op;
      } catch {
        op = undefined;
      }
      if (typeof op === 'string') ops.set(stableText(op), (ops.get(stableText(op)) ?? 0) + 1);
    }
    for (const [op, n] of [...ops].sort()) add(`${op} messages`, 'count', n);
  }
  const statuses = t.entries.filter((e) => e.dir === 'in' && e.kind === 'http').map((e) => /^HTTP (\d{3})/.exec(e.data.toString('latin1', 0, 16))?.[1] ?? '?');
  if (statuses.length) add('HTTP status', 'code', statuses.length === 1 ? Number(statuses[0]) : statuses.join(', '));
  if (t.close) {
    add('close code', 'code', t.close.code);
    add('closed by', 'text', sentDisconnect(t) ? 'after DISCONNECT' : closedBy(t.close));
    if (t.close.reason) add('close reason', 'text', stableText(redact(t.close.reason)));
  }
  return out;
}

/**
 * A session the harness ended with DISCONNECT: the server's close and the harness's cross, so who closed first is a
 * race, not a behaviour (S-8 judges the RECEIPT and the close).
 */
function sentDisconnect(t: Transcript): boolean {
  return t.entries.some((e) => e.dir === 'out' && (e.kind === 'text' || e.kind === 'binary') && /^DISCONNECT\r?\n/.test(e.data.toString('latin1', 0, 12)));
}

/**
 * Who closed, as the server's behaviour: a close the harness started (at the end of a case, code 1000) that crossed
 * the server's own close frame reads `client` in the transcript, yet the code received is the server's.
 */
function closedBy(close: NonNullable<Transcript['close']>): string {
  if (close.by === 'client' && ![1000, 1005, 1006].includes(close.code)) return 'server';
  return close.by;
}

/** A case's observations: its transcripts' and its measurements', each name once. */
export function observe(transcripts: readonly Transcript[], measurements: Readonly<Record<string, string>>): Observation[] {
  const seen = new Map<string, number>();
  // Always one: how many connections the case recorded (0 for a case that judged a URL or was skipped).
  const all: Observation[] = [{ name: 'connections', kind: 'count', value: transcripts.length, source: 'transcript' }];
  for (const t of transcripts) {
    const base = stableText(t.label);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    all.push(...transcriptObservations(t, n === 1 ? base : `${base} #${n}`));
  }
  for (const [name, value] of Object.entries(measurements)) all.push(...measurementObservations(name, value));
  const byName = new Map<string, Observation>();
  for (const o of all) if (!byName.has(o.name)) byName.set(o.name, o);
  return [...byName.values()];
}

/** One entry of a structured transcript: direction, time offset, and the octets shown as text (redacted, bounded). */
export interface StructuredEntry {
  dir: 'out' | 'in' | 'note';
  kind: TranscriptEntry['kind'];
  at: number;
  text: string;
  /** Present when the text was cut: the entry's full size in octets. */
  octets?: number;
}

export interface StructuredTranscript {
  label: string;
  entries: StructuredEntry[];
  close?: { code: number; reason: string; by: 'server' | 'client'; clean: boolean; at: number };
  /** Entries left out beyond the bound. */
  omitted?: number;
}

/** The file `transcripts/<case id>.json` of a report folder. */
export interface CaseTranscripts {
  id: string;
  transcripts: StructuredTranscript[];
  /** Transcripts left out beyond the bound. */
  omitted?: number;
}

export function structuredTranscript(t: Transcript): StructuredTranscript {
  const entries = t.entries.slice(0, MAX_ENTRIES).map((e): StructuredEntry => {
    const data = redactBytes(e.data);
    const cut = data.length > MAX_TEXT;
    const shown = cut ? data.subarray(0, MAX_TEXT) : data;
    let text = e.kind === 'note' ? shown.toString('utf8') : showBytes(shown, false);
    text = redact(text);
    return { dir: e.dir, kind: e.kind, at: e.at, text, ...(cut ? { octets: e.data.length } : {}) };
  });
  return {
    label: t.label,
    entries,
    ...(t.close ? { close: { ...t.close, reason: redact(t.close.reason) } } : {}),
    ...(t.entries.length > MAX_ENTRIES ? { omitted: t.entries.length - MAX_ENTRIES } : {}),
  };
}

/**
 * Called by every case when it ends: its observations, and (in a run, where the folder is set) its transcripts
 * written as `transcripts/<id>.json` for the transcript diff. A harness that cannot write them still judges the case.
 */
export function caseObservations(id: string, transcripts: readonly Transcript[], measurements: Readonly<Record<string, string>>): Observation[] {
  const dir = process.env[TRANSCRIPTS_DIR_ENV];
  if (dir) {
    try {
      const file: CaseTranscripts = {
        id,
        transcripts: transcripts.slice(0, MAX_TRANSCRIPTS).map(structuredTranscript),
        ...(transcripts.length > MAX_TRANSCRIPTS ? { omitted: transcripts.length - MAX_TRANSCRIPTS } : {}),
      };
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${transcriptFileName(id)}`), JSON.stringify(file) + '\n');
    } catch {
      // The transcript diff will say the file is missing; the verdict does not depend on it.
    }
  }
  try {
    return observe(transcripts, measurements);
  } catch (err) {
    // A bug of ours never changes a verdict; it shows as an observation that differs from any run without it.
    return [{ name: 'observations', kind: 'text', value: `not derived: ${(err as Error).message}`, source: 'transcript' }];
  }
}

export function transcriptFileName(id: string): string {
  return `${id.replace(/[^\w.-]/g, '_')}.json`;
}
