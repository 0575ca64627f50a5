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
      const text = (e.kind === 'note' ? shown.toString('utf8') : showBytes(shown)) + more;
      const kind = e.kind === 'binary' ? ' [binary]' : '';
      lines.push(`${e.at.toFixed(1).padStart(8)} ms ${arrows[e.dir]}${kind} ${text}`);
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

/** Bytes shown as text: printable UTF-8 as is, CR/LF/NUL/TAB as escapes, anything else as \xNN. */
export function showBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\0') out += '^@';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\ufffd') out += '\\x??';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
