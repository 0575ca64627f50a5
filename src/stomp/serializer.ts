import { Buffer } from 'node:buffer';
import { escapeHeader } from './escape.ts';
import { UNESCAPED_COMMANDS, type StompFrame } from './frame.ts';

export interface SerializeOptions {
  /**
   * `auto` (default): a `content-length` with the exact body octets is written whenever the body is not empty,
   * replacing any given one. `keep`: headers are written as given, nothing added.
   */
  contentLength?: 'auto' | 'keep';
  /** Line ending; STOMP 1.2 allows LF or CRLF. */
  eol?: '\n' | '\r\n';
}

export type FrameInput = {
  command: string;
  headers?: Array<[string, string]> | Record<string, string>;
  body?: Uint8Array | string;
};

/** Writes a frame: escaped headers (never in CONNECT/CONNECTED), byte-exact content-length, trailing NUL. */
export function serialize(input: FrameInput, options: SerializeOptions = {}): Buffer {
  const frame = toFrame(input);
  const eol = options.eol ?? '\n';
  const escape = !UNESCAPED_COMMANDS.has(frame.command);
  let head = frame.command + eol;
  const auto = (options.contentLength ?? 'auto') === 'auto';
  for (const [name, value] of frame.headers) {
    if (auto && name === 'content-length') continue;
    head += escape ? `${escapeHeader(name)}:${escapeHeader(value)}${eol}` : `${name}:${value}${eol}`;
  }
  if (auto && frame.body.length > 0) head += `content-length:${frame.body.length}${eol}`;
  head += eol;
  const headBytes = Buffer.from(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes.length + frame.body.length + 1);
  headBytes.copy(out, 0);
  out.set(frame.body, headBytes.length);
  out[out.length - 1] = 0;
  return out;
}

export function toFrame(input: FrameInput): StompFrame {
  const headers = Array.isArray(input.headers) ? input.headers : Object.entries(input.headers ?? {});
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body ?? Buffer.alloc(0);
  return { command: input.command, headers, body };
}
