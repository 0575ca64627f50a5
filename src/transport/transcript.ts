import { Buffer } from 'node:buffer';
import { redact, redactBytes, registerSecret } from '../report/redact.ts';

/** Octets of one message shown in a rendered transcript; the rest is counted, not printed. */
const MAX_SHOWN = 4096;

/**
 * What one connection's transcript keeps: the first entries up to HEAD_BYTES and the last up to TAIL_BYTES; what
 * falls between is counted ("… 59.8 MiB not shown …"), so a hostile peer costs a case, never the run's memory.
 * Each kept entry keeps at most KEPT_PER_ENTRY octets (rendering shows MAX_SHOWN of them).
 */
const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 16 * 1024;
const KEPT_PER_ENTRY = 8 * 1024;

/** Who ended a connection, and how (Autobahn judges the close on its own axis). */
export interface CloseRecord {
  /** WebSocket close code as received (1005 when the close frame had none, 1006 when there was no close frame). */
  code: number;
  reason: string;
  /** `server`: the peer closed first; `client`: the harness closed first. */
  by: 'server' | 'client';
  /** Both close frames were exchanged before the TCP connection ended. */
  clean: boolean;
  /** Milliseconds since the transcript started. */
  at: number;
}

export type Direction = 'out' | 'in' | 'note';

export interface TranscriptEntry {
  dir: Direction;
  /** Milliseconds since the transcript started. */
  at: number;
  /** WebSocket message type, or `http` for HTTP exchanges. */
  kind: 'text' | 'binary' | 'http' | 'note';
  /** The octets kept (at most KEPT_PER_ENTRY of them). */
  data: Buffer;
  /** Octets of the message as it was, when more than were kept. */
  size?: number;
  /** A run of identical heart-beat messages (EOLs only) is one entry: how many, and when the last came. */
  repeat?: number;
  lastAt?: number;
}

function eolsOnly(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes.length > 2) return false;
  return bytes.every((b) => b === 0x0a || b === 0x0d);
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} octets`;
}

/** Every byte exchanged on one connection, with time offsets, plus how it closed. */
export class Transcript {
  /** The head of the connection, then (once the head is full) a sliding tail. */
  private readonly head: TranscriptEntry[] = [];
  private tail: TranscriptEntry[] = [];
  private headBytes = 0;
  private tailBytes = 0;
  /** What fell out between head and tail. */
  private dropped = { entries: 0, octets: 0 };
  close: CloseRecord | undefined;
  private readonly started = performance.now();

  constructor(readonly label: string) {}

  /** The entries kept, in order (the middle of a very long connection is counted, not kept). */
  get entries(): TranscriptEntry[] {
    return this.tail.length ? [...this.head, ...this.tail] : this.head;
  }

  now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  record(dir: Direction, kind: TranscriptEntry['kind'], data: Uint8Array | string): void {
    const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const at = this.now();
    const last = this.tail.at(-1) ?? (this.tail.length ? undefined : this.head.at(-1));
    if (last && last.dir === dir && last.kind === kind && kind !== 'note' && eolsOnly(Buffer.from(raw)) && last.data.equals(Buffer.from(raw))) {
      last.repeat = (last.repeat ?? 1) + 1;
      last.lastAt = at;
      return;
    }
    const kept = Buffer.from(raw.subarray(0, KEPT_PER_ENTRY));
    const entry: TranscriptEntry = { dir, at, kind, data: kept, ...(raw.length > kept.length ? { size: raw.length } : {}) };
    if (this.headBytes + kept.length <= HEAD_BYTES && this.tail.length === 0) {
      this.head.push(entry);
      this.headBytes += kept.length;
      return;
    }
    this.tail.push(entry);
    this.tailBytes += kept.length;
    while (this.tailBytes > TAIL_BYTES && this.tail.length > 1) {
      const gone = this.tail.shift()!;
      this.tailBytes -= gone.data.length;
      this.dropped.entries += gone.repeat ?? 1;
      this.dropped.octets += (gone.size ?? gone.data.length) * (gone.repeat ?? 1);
    }
  }

  note(text: string): void {
    this.record('note', 'note', text);
  }

  /** A secret this connection carries: redacted here and in every other sink (src/report/redact.ts). */
  redact(secret: string | undefined, label = 'secret'): void {
    registerSecret(secret, label);
  }

  /** Bytes received and kept, concatenated in order. */
  received(): Buffer {
    return Buffer.concat(this.entries.filter((e) => e.dir === 'in').map((e) => e.data));
  }

  /** The transcript as text: secrets are redacted in the raw octets, before anything is escaped for display. */
  render(): string {
    const arrows: Record<Direction, string> = { out: '>>', in: '<<', note: '--' };
    const lines = [`# ${redact(this.label)}`];
    const show = (e: TranscriptEntry) => {
      const data = redactBytes(e.data);
      const size = e.size ?? data.length;
      const shown = data.length > MAX_SHOWN ? data.subarray(0, MAX_SHOWN) : data;
      const more = size > shown.length ? ` … (${mib(size - shown.length)} more, ${mib(size)} in all)` : '';
      const text = (e.kind === 'note' ? redact(shown.toString('utf8')) : showBytes(shown, true)) + more;
      const kind = e.kind === 'binary' ? ' [binary]' : '';
      const [first, ...rest] = text.split('\n');
      const times = e.repeat ? `  ×${e.repeat} (the last at ${e.lastAt!.toFixed(1)} ms)` : '';
      lines.push(`${e.at.toFixed(1).padStart(8)} ms ${arrows[e.dir]}${kind} ${first}${times}`);
      for (const line of rest) if (line) lines.push(`${' '.repeat(15)}${line}`);
    };
    for (const e of this.head) show(e);
    if (this.dropped.entries) lines.push(`${' '.repeat(11)}… ${mib(this.dropped.octets)} in ${this.dropped.entries} messages not shown …`);
    for (const e of this.tail) show(e);
    if (this.close) {
      const c = this.close;
      lines.push(
        `${c.at.toFixed(1).padStart(8)} ms == close code=${c.code} reason=${JSON.stringify(c.reason)} by=${c.by} clean=${c.clean}`,
      );
    }
    return redact(lines.join('\n') + '\n');
  }
}

/**
 * Bytes shown as text: printable UTF-8 as is; LF as ↵ (and, in multi-line mode, a line break), CR as ␍, NUL as ␀,
 * other control octets and invalid UTF-8 as \xNN. Backslashes stay literal, so STOMP escapes read as on the wire.
 */
export function showBytes(bytes: Uint8Array, multiline = false): string {
  const buf = Buffer.from(bytes);
  const text = buf.toString('utf8');
  if (text.includes('\ufffd') && !isUtf8Clean(buf)) return showLatin1(buf, multiline);
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += multiline ? '↵\n' : '↵';
    else if (ch === '\r') out += '␍';
    else if (ch === '\0') out += '␀';
    else if (ch === '\t') out += '⇥';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

function isUtf8Clean(buf: Buffer): boolean {
  return Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);
}

/** Invalid UTF-8: every octet above 0x7e as \xNN. */
function showLatin1(buf: Buffer, multiline: boolean): string {
  let out = '';
  for (const b of buf) {
    if (b === 0x0a) out += multiline ? '↵\n' : '↵';
    else if (b === 0x0d) out += '␍';
    else if (b === 0x00) out += '␀';
    else if (b < 0x20 || b > 0x7e) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}
