import { Buffer, isUtf8 } from 'node:buffer';
import { unescapeHeader } from './escape.ts';
import { UNESCAPED_COMMANDS, type ParsedFrame, type StompRule, type StompViolation } from './frame.ts';

/**
 * An incremental STOMP 1.2 parser: a small state machine over Buffers, fed arbitrary chunks.
 *
 * Strict mode stops at the first grammar violation and reports it (rule + absolute byte offset); this is what a
 * server does before ERROR-then-close. Lenient mode tolerates what it can, attaches the violations to the frame,
 * and goes on: a client reading a deviating server keeps its flow, and the case that asserts the broken rule sees it.
 * Bodies are zero-copy views of the input whenever a frame arrives in one chunk.
 */

export interface ParserLimits {
  /** Header lines per frame (the command line not counted). */
  maxHeaders: number;
  /** Octets of one header line (or the command line), EOL excluded. */
  maxHeaderLineBytes: number;
  /** Octets of one body. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ParserLimits> = {
  maxHeaders: 1024,
  maxHeaderLineBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024 * 1024,
};

export type ParseMode = 'strict' | 'lenient';

export interface ParserHandlers {
  onFrame(frame: ParsedFrame): void;
  /** An EOL between frames (a heart-beat), at its absolute offset. */
  onHeartbeat?(offset: number): void;
  /** A fatal violation: the parser is dead afterwards. */
  onError?(error: StompViolation): void;
}

export interface ParserOptions {
  mode?: ParseMode;
  limits?: Partial<ParserLimits>;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const EMPTY = Buffer.alloc(0);
const DIGITS = /^[0-9]+$/;

type Phase = 'between' | 'head' | 'body' | 'dead';

export class StompParser {
  readonly mode: ParseMode;
  readonly limits: ParserLimits;
  private readonly handlers: ParserHandlers;

  private data: Buffer = EMPTY;
  private pos = 0;
  private len = 0;
  /** Whether `data` is our own growable store (safe to append to past `len`). */
  private owned = false;
  /** Absolute stream offset of data[pos]. */
  private consumed = 0;

  private phase: Phase = 'between';
  /** Bytes after `pos` already scanned in the head or NUL search. */
  private scanned = 0;
  private lineStart = 0;
  private lines = 0;
  private frameHead: { command: string; headers: Array<[string, string]>; contentLength: number; headLength: number } | null = null;
  private pendingViolations: StompViolation[] = [];
  private fatal: StompViolation | undefined;

  constructor(handlers: ParserHandlers, options: ParserOptions = {}) {
    this.handlers = handlers;
    this.mode = options.mode ?? 'strict';
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /** The fatal violation that stopped the parser, if any. */
  get error(): StompViolation | undefined {
    return this.fatal;
  }

  /** Octets received but not yet part of a complete frame. */
  get buffered(): number {
    return this.len - this.pos;
  }

  /** Whether the parser sits between frames (nothing partial buffered). */
  get idle(): boolean {
    return this.phase === 'between' && this.len === this.pos;
  }

  push(chunk: Uint8Array | string): void {
    if (this.phase === 'dead') return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : toBuffer(chunk);
    if (bytes.length === 0) return;
    this.append(bytes);
    this.run();
    if (this.pos === this.len) {
      this.data = EMPTY;
      this.pos = this.len = 0;
      this.owned = false;
    }
  }

  private append(bytes: Buffer): void {
    if (this.pos === this.len) {
      this.data = bytes;
      this.pos = 0;
      this.len = bytes.length;
      this.owned = false;
      return;
    }
    const remaining = this.len - this.pos;
    const needed = remaining + bytes.length;
    if (this.owned && this.len + bytes.length <= this.data.length) {
      bytes.copy(this.data, this.len);
      this.len += bytes.length;
      return;
    }
    // Never write over bytes already handed out as frame bodies: always grow into a fresh store.
    const store = Buffer.allocUnsafe(Math.max(needed * 2, 4096));
    this.data.copy(store, 0, this.pos, this.len);
    bytes.copy(store, remaining);
    this.data = store;
    this.pos = 0;
    this.len = needed;
    this.owned = true;
  }

  private run(): void {
    for (;;) {
      if (this.phase === 'between' && !this.skipEols()) return;
      if (this.phase === 'head' && !this.readHead()) return;
      if (this.phase === 'body' && !this.readBody()) return;
      if (this.phase === 'dead') return;
    }
  }

  /** Skips heart-beat EOLs; true when a frame starts at `pos`. */
  private skipEols(): boolean {
    const d = this.data;
    while (this.pos < this.len) {
      const b = d[this.pos];
      if (b === LF) {
        this.handlers.onHeartbeat?.(this.consumed);
        this.advance(1);
      } else if (b === CR) {
        if (this.pos + 1 >= this.len) return false;
        if (d[this.pos + 1] === LF) {
          this.handlers.onHeartbeat?.(this.consumed);
          this.advance(2);
        } else if (this.mode === 'strict') {
          this.die('cr-without-lf', this.consumed, 'CR between frames is not followed by LF');
          return false;
        } else {
          // Lenient: the stray CR starts a frame, whose command line then carries the violation.
          return this.startHead();
        }
      } else {
        return this.startHead();
      }
    }
    return false;
  }

  private startHead(): true {
    this.phase = 'head';
    this.scanned = 0;
    this.lineStart = 0;
    this.lines = 0;
    return true;
  }

  /** Finds the blank line that ends the headers; true when the head is parsed. */
  private readHead(): boolean {
    const d = this.data;
    const { maxHeaderLineBytes, maxHeaders } = this.limits;
    for (;;) {
      const from = this.pos + this.scanned;
      const lf = d.indexOf(LF, from);
      if (lf < 0 || lf >= this.len) {
        this.scanned = this.len - this.pos;
        if (this.scanned - this.lineStart > maxHeaderLineBytes + 1) {
          this.die('limit-exceeded', this.consumed + this.lineStart, `header line longer than ${maxHeaderLineBytes} octets`);
        }
        return false;
      }
      const rel = lf - this.pos;
      const lineBytes = rel - this.lineStart - (rel > 0 && d[lf - 1] === CR ? 1 : 0);
      if (lineBytes > maxHeaderLineBytes) {
        this.die('limit-exceeded', this.consumed + this.lineStart, `header line longer than ${maxHeaderLineBytes} octets`);
        return false;
      }
      if (lineBytes === 0 && this.lineStart > 0) {
        // The blank line: headers end here, the body starts after its LF.
        this.parseHead(this.lineStart, rel + 1);
        return this.phase !== 'dead';
      }
      if (this.lines === 0 && this.mode === 'strict' && !isCommandLine(d, this.pos, lf)) {
        // Judged as soon as the command line is complete, so garbage is refused without waiting for a blank line.
        this.die('invalid-command', this.consumed, `command line ${JSON.stringify(d.toString('latin1', this.pos, lf))} is not an upper-case command`);
        return false;
      }
      this.lines++;
      if (this.lines - 1 > maxHeaders) {
        this.die('limit-exceeded', this.consumed + this.lineStart, `more than ${maxHeaders} headers`);
        return false;
      }
      this.lineStart = rel + 1;
      this.scanned = rel + 1;
    }
  }

  /** Reads the command and headers (up to headEnd) into frameHead; the body starts at bodyStart. */
  private parseHead(headEnd: number, bodyStart: number): void {
    if (!this.parsePlainHead(headEnd, bodyStart)) this.parseAnyHead(headEnd, bodyStart);
  }

  /**
   * The head of nearly every frame, without the general path's costs: ASCII only (so latin1 decodes it as UTF-8
   * would, and a character index is an octet offset), no CR inside a line, every header line with a colon after a
   * non-empty name, no second colon where headers are escaped, only defined escapes, and a content-length (if any) of
   * at most 15 digits within the body limit. Anything else returns false before any side effect, and parseAnyHead
   * reads the head again from scratch: it alone records violations, so their rules, offsets and messages stay its own.
   */
  private parsePlainHead(headEnd: number, bodyStart: number): boolean {
    const d = this.data;
    const start = this.pos;
    const end = start + headEnd;
    let bits = 0;
    for (let i = start; i < end; i++) bits |= d[i];
    if (bits & 0x80) return false;
    const text = d.toString('latin1', start, end);
    // Without any CR in the head, no line ends in CRLF and none holds a stray CR: the per-line CR checks are skipped.
    const hasCr = text.indexOf('\r') >= 0;
    let lf = text.indexOf('\n');
    let lineEnd = hasCr && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    if (lineEnd === 0 || (hasCr && text.indexOf('\r') < lineEnd)) return false;
    const command = text.slice(0, lineEnd);
    const escaped = !UNESCAPED_COMMANDS.has(command);
    // The next colon and backslash at or after a line's start, found once and reused line after line.
    let colon = -1;
    let backslash = escaped ? text.indexOf('\\', lf + 1) : -1;
    let contentLength: string | undefined;
    const headers: Array<[string, string]> = [];
    for (let from = lf + 1; from < headEnd; from = lf + 1) {
      lf = text.indexOf('\n', from);
      lineEnd = hasCr && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      if (hasCr) {
        const cr = text.indexOf('\r', from);
        if (cr >= 0 && cr < lineEnd) return false;
      }
      if (colon < from) colon = text.indexOf(':', from);
      if (colon < 0 || colon >= lineEnd || colon === from) return false;
      let name = text.slice(from, colon);
      let value = text.slice(colon + 1, lineEnd);
      if (escaped) {
        // The next colon must lie on a later line: one in the value is an unescaped colon.
        colon = text.indexOf(':', colon + 1);
        if (colon >= 0 && colon < lineEnd) return false;
        if (backslash >= 0 && backslash < lineEnd) {
          const n1 = unescapeHeader(name);
          const v1 = unescapeHeader(value);
          if (n1.badEscapeAt >= 0 || v1.badEscapeAt >= 0) return false;
          name = n1.value;
          value = v1.value;
          backslash = text.indexOf('\\', lineEnd);
        }
      }
      if (contentLength === undefined && name === 'content-length') contentLength = value;
      headers.push([name, value]);
    }

    let length = -1;
    if (contentLength !== undefined) {
      // Up to 15 digits the sum below is exact, as Number() would be; longer ones (or a value over the limit, which
      // is fatal) are left to the general path.
      if (contentLength.length === 0 || contentLength.length > 15) return false;
      length = 0;
      for (let i = 0; i < contentLength.length; i++) {
        const digit = contentLength.charCodeAt(i) - 0x30;
        if (digit < 0 || digit > 9) return false;
        length = length * 10 + digit;
      }
      if (length > this.limits.maxBodyBytes) return false;
    }
    this.frameHead = { command, headers, contentLength: length, headLength: bodyStart };
    this.phase = 'body';
    this.scanned = bodyStart;
    return true;
  }

  /** The general head parser: any octets, every violation recorded at its byte offset. */
  private parseAnyHead(headEnd: number, bodyStart: number): void {
    const d = this.data;
    const start = this.pos;
    const base = this.consumed;
    const violations = this.pendingViolations;
    this.pendingViolations = [];
    const headBytes = d.subarray(start, start + headEnd);
    if (!isUtf8(headBytes)) {
      if (!this.record(violations, 'invalid-utf8', base, 'command or headers are not valid UTF-8')) return;
    }
    const text = headBytes.toString('utf8');
    const lineEnds: number[] = [];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineEnds.push(i);

    let lineFrom = 0;
    let command = '';
    let contentLengthAt = -1;
    const headers: Array<[string, string]> = [];
    for (let n = 0; n < lineEnds.length; n++) {
      const lf = lineEnds[n];
      const line = text.slice(lineFrom, lf && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf);
      const cr = line.indexOf('\r');
      if (cr >= 0) {
        if (!this.record(violations, 'cr-without-lf', byteOffset(base, text, lineFrom + cr), 'CR inside a line is not followed by LF')) return;
      }
      if (n === 0) {
        command = line;
        if (command.length === 0) {
          if (!this.record(violations, 'empty-command', byteOffset(base, text, lineFrom), 'the command line is empty')) return;
        }
      } else {
        const colon = line.indexOf(':');
        let name: string;
        let value: string;
        if (colon < 0) {
          if (!this.record(violations, 'header-without-colon', byteOffset(base, text, lineFrom), `header line "${line}" has no colon`)) return;
          name = line;
          value = '';
        } else {
          if (colon === 0) {
            if (!this.record(violations, 'empty-header-name', byteOffset(base, text, lineFrom), 'header name is empty')) return;
          }
          name = line.slice(0, colon);
          value = line.slice(colon + 1);
        }
        if (!UNESCAPED_COMMANDS.has(command)) {
          if (colon >= 0 && value.indexOf(':') >= 0) {
            const where = byteOffset(base, text, lineFrom + colon + 1 + value.indexOf(':'));
            if (!this.record(violations, 'unescaped-colon', where, `header "${name}" has an unescaped colon in its value`)) return;
          }
          const n1 = unescapeHeader(name);
          if (n1.badEscapeAt >= 0) {
            const where = byteOffset(base, text, lineFrom + n1.badEscapeAt);
            if (!this.record(violations, 'undefined-escape', where, `undefined escape ${JSON.stringify(name.slice(n1.badEscapeAt, n1.badEscapeAt + 2))} in header name`)) return;
          }
          const v1 = unescapeHeader(value);
          if (v1.badEscapeAt >= 0) {
            const where = byteOffset(base, text, lineFrom + colon + 1 + v1.badEscapeAt);
            if (!this.record(violations, 'undefined-escape', where, `undefined escape ${JSON.stringify(value.slice(v1.badEscapeAt, v1.badEscapeAt + 2))} in header "${n1.value}"`)) return;
          }
          name = n1.value;
          value = v1.value;
        }
        if (name === 'content-length' && contentLengthAt < 0) contentLengthAt = byteOffset(base, text, lineFrom + colon + 1);
        headers.push([name, value]);
      }
      lineFrom = lf + 1;
    }

    let contentLength = -1;
    for (const [n, v] of headers) {
      if (n !== 'content-length') continue;
      if (!DIGITS.test(v)) {
        if (!this.record(violations, 'bad-content-length', contentLengthAt, `content-length "${v}" is not a non-negative integer`)) return;
      } else if (Number(v) > this.limits.maxBodyBytes) {
        this.die('limit-exceeded', contentLengthAt, `content-length ${v} exceeds the body limit of ${this.limits.maxBodyBytes} octets`);
        return;
      } else {
        contentLength = Number(v);
      }
      break;
    }
    this.pendingViolations = violations;
    this.frameHead = { command, headers, contentLength, headLength: bodyStart };
    this.phase = 'body';
    this.scanned = bodyStart;
  }

  private readBody(): boolean {
    const head = this.frameHead!;
    const d = this.data;
    const bodyAt = this.pos + head.headLength;
    if (head.contentLength >= 0) {
      const end = bodyAt + head.contentLength;
      if (end >= this.len) return false;
      if (d[end] === NUL) {
        this.emit(d.subarray(bodyAt, end), end + 1);
        return true;
      }
      if (!this.violate('missing-nul', this.consumed + (end - this.pos), `no NUL after the ${head.contentLength} octets of content-length`)) return false;
      head.contentLength = -1; // lenient: read the body up to the next NUL instead
    }
    const from = Math.max(bodyAt, this.pos + this.scanned);
    const nul = d.indexOf(NUL, from);
    if (nul < 0 || nul >= this.len) {
      this.scanned = this.len - this.pos;
      if (this.len - bodyAt > this.limits.maxBodyBytes) {
        this.die('limit-exceeded', this.consumed + head.headLength, `body exceeds ${this.limits.maxBodyBytes} octets`);
      }
      return false;
    }
    if (nul - bodyAt > this.limits.maxBodyBytes) {
      this.die('limit-exceeded', this.consumed + head.headLength, `body exceeds ${this.limits.maxBodyBytes} octets`);
      return false;
    }
    this.emit(d.subarray(bodyAt, nul), nul + 1);
    return true;
  }

  private emit(body: Buffer, next: number): void {
    const head = this.frameHead!;
    const frame: ParsedFrame = {
      command: head.command,
      headers: head.headers,
      body,
      offset: this.consumed,
      length: next - this.pos,
      violations: this.pendingViolations,
    };
    this.pendingViolations = [];
    this.frameHead = null;
    this.advance(next - this.pos);
    this.phase = 'between';
    this.handlers.onFrame(frame);
  }

  private advance(n: number): void {
    this.pos += n;
    this.consumed += n;
  }

  /** Strict: fatal. Lenient: remembered for the next frame. Returns whether parsing may go on. */
  private violate(rule: StompRule, offset: number, message: string): boolean {
    return this.record(this.pendingViolations, rule, offset, message);
  }

  private record(into: StompViolation[], rule: StompRule, offset: number, message: string): boolean {
    if (this.mode === 'strict') {
      this.die(rule, offset, message);
      return false;
    }
    into.push({ rule, offset, message });
    return true;
  }

  private die(rule: StompRule, offset: number, message: string): void {
    this.phase = 'dead';
    this.fatal = { rule, offset, message };
    this.handlers.onError?.(this.fatal);
  }
}

/** The absolute offset of a character of the decoded head: base plus the UTF-8 octets before it. */
function byteOffset(base: number, text: string, charIndex: number): number {
  return base + Buffer.byteLength(text.slice(0, charIndex));
}

/** A command line of upper-case ASCII letters (an optional CR before the LF aside). */
function isCommandLine(d: Buffer, from: number, lf: number): boolean {
  const end = lf > from && d[lf - 1] === CR ? lf - 1 : lf;
  if (end === from) return false;
  for (let i = from; i < end; i++) {
    const b = d[i];
    if (b < 0x41 || b > 0x5a) return false;
  }
  return true;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export type ParseEvent =
  | { type: 'frame'; frame: ParsedFrame }
  | { type: 'heartbeat'; offset: number }
  | { type: 'error'; error: StompViolation };

/** Parses whole input (optionally in the given chunks) and returns every event in order. */
export function parseAll(input: Uint8Array | string | Array<Uint8Array | string>, options?: ParserOptions): ParseEvent[] {
  const events: ParseEvent[] = [];
  const parser = new StompParser(
    {
      onFrame: (frame) => events.push({ type: 'frame', frame }),
      onHeartbeat: (offset) => events.push({ type: 'heartbeat', offset }),
      onError: (error) => events.push({ type: 'error', error }),
    },
    options,
  );
  for (const chunk of Array.isArray(input) ? input : [input]) parser.push(chunk);
  return events;
}
