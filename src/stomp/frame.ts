/** A STOMP frame as it travels: headers in wire order (repeats kept), body as raw octets. */
export interface StompFrame {
  command: string;
  headers: Array<[name: string, value: string]>;
  body: Uint8Array;
}

/** A rule of the STOMP 1.2 grammar that a byte stream can break. */
export type StompRule =
  | 'undefined-escape'
  | 'cr-without-lf'
  | 'missing-nul'
  | 'bad-content-length'
  | 'header-without-colon'
  | 'empty-header-name'
  | 'unescaped-colon'
  | 'empty-command'
  | 'invalid-command'
  | 'invalid-utf8'
  | 'limit-exceeded';

/** A grammar violation: where (absolute byte offset in the stream) and which rule. */
export interface StompViolation {
  rule: StompRule;
  offset: number;
  message: string;
}

/** A frame read leniently: the violations that were tolerated travel with it. */
export interface ParsedFrame extends StompFrame {
  /** Absolute byte offset of the frame's first command octet. */
  offset: number;
  /** Total octets of the frame on the wire, NUL included. */
  length: number;
  /** Grammar violations tolerated in lenient mode (always empty in strict mode). */
  violations: StompViolation[];
}

/** Commands whose headers are never escaped (STOMP 1.2, "Value Encoding"). */
export const UNESCAPED_COMMANDS: ReadonlySet<string> = new Set(['CONNECT', 'CONNECTED']);

export const CLIENT_COMMANDS: ReadonlySet<string> = new Set([
  'CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT',
]);
export const SERVER_COMMANDS: ReadonlySet<string> = new Set(['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR']);

/** The value of a header: the first occurrence wins (STOMP 1.2, "Repeated Header Entries"). */
export function header(frame: StompFrame | undefined, name: string): string | undefined {
  if (!frame) return undefined;
  for (const [n, v] of frame.headers) if (n === name) return v;
  return undefined;
}

/** Every value of a repeated header, in wire order. */
export function headerValues(frame: StompFrame, name: string): string[] {
  return frame.headers.filter(([n]) => n === name).map(([, v]) => v);
}

const utf8 = new TextDecoder();
export function bodyText(frame: StompFrame): string {
  return utf8.decode(frame.body);
}
