import { Buffer } from 'node:buffer';

/** Octets of one message shown in a rendered transcript; the rest is counted, not printed. */
const MAX_SHOWN = 4096;

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
  data: Buffer;
}

/** Replacements applied to every rendering, so that secrets never reach a report. */
export interface Redaction {
  secret: string;
  label: string;
}

/** Every byte exchanged on one connection, with time offsets, plus how it closed. */
export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  close: CloseRecord | undefined;
  private readonly started = performance.now();
  private readonly redactions: Redaction[] = [];

  constructor(readonly label: string) {}

  now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  record(dir: Direction, kind: TranscriptEntry['kind'], data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.entries.push({ dir, at: this.now(), kind, data: bytes });
  }

  note(text: string): void {
    this.record('note', 'note', text);
  }

  redact(secret: string | undefined, label = 'secret'): void {
    if (secret) this.redactions.push({ secret, label });
  }

  /** Bytes received, concatenated in order. */
  received(): Buffer {
    return Buffer.concat(this.entries.filter((e) => e.dir === 'in').map((e) => e.data));
  }

  render(): string {
    const arrows: Record<Direction, string> = { out: '>>', in: '<<', note: '--' };
    const lines = [`# ${this.label}`];
    for (const e of this.entries) {
      const shown = e.data.length > MAX_SHOWN ? e.data.subarray(0, MAX_SHOWN) : e.data;
      const more = e.data.length > MAX_SHOWN ? ` … (${e.data.length - MAX_SHOWN} more octets, ${e.data.length} in all)` : '';
      const text = (e.kind === 'note' ? shown.toString('utf8') : showBytes(shown, true)) + more;
      const kind = e.kind === 'binary' ? ' [binary]' : '';
      const [first, ...rest] = text.split('\n');
      lines.push(`${e.at.toFixed(1).padStart(8)} ms ${arrows[e.dir]}${kind} ${first}`);
      for (const line of rest) if (line) lines.push(`${' '.repeat(15)}${line}`);
    }
    if (this.close) {
      const c = this.close;
      lines.push(
        `${c.at.toFixed(1).padStart(8)} ms == close code=${c.code} reason=${JSON.stringify(c.reason)} by=${c.by} clean=${c.clean}`,
      );
    }
    let out = lines.join('\n') + '\n';
    for (const { secret, label } of this.redactions) out = out.split(secret).join(`<redacted ${label}>`);
    return out;
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
