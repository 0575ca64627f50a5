import { Buffer } from 'node:buffer';
import { createSecureContext, type SecureContext } from 'node:tls';
import WebSocket from 'ws';
import { redact, registerUrlSecrets } from '../report/redact.ts';
import { Transcript, type CloseRecord } from './transcript.ts';
import { Waiters, closedWithin } from './waiters.ts';

export interface WsConnectOptions {
  protocols?: string[];
  /** Accept self-signed TLS certificates. */
  insecure?: boolean;
  headers?: Record<string, string>;
  /** Give up opening after this long. */
  timeoutMs?: number;
  /** Secrets to redact from the transcript (e.g. a token in the URL). */
  redact?: string[];
  /** The largest message accepted from the peer (larger: the harness closes with 1009). */
  maxPayload?: number;
}

/**
 * The largest WebSocket message the harness accepts when the target declares no limit: generous for any frame a case
 * asks for, small enough that a hostile peer cannot grow the harness without bound.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Messages kept for `next()` that nobody has taken yet; beyond that the oldest go (a flooding peer costs its case). */
const MAX_INBOX = 10_000;

/**
 * What one connection may send the harness before it stops reading (credit flow, as a broker applies to a fast
 * publisher): far more than any case asks for, so that only a flooding peer meets it. The peer then waits on TCP.
 */
const MAX_RECEIVED_BYTES = 4 * 1024 * 1024;
const MAX_RECEIVED_MESSAGES = 10_000;

export interface WsMessage {
  data: Buffer;
  binary: boolean;
  at: number;
}

/** Raised when the harness cannot even talk to the target: a `broken` verdict, never a `failed` one. */
export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
}

/** Raised when a bounded wait ends with nothing to show. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** A WebSocket client that records every message both ways, and how the connection closed. */
export class RecordingWebSocket {
  readonly transcript: Transcript;
  readonly protocol: string;
  private readonly ws: WebSocket;
  private readonly inbox: WsMessage[] = [];
  private readonly waiters = new Waiters();
  private clientClosing = false;
  private closeResolve!: (record: CloseRecord) => void;
  /** Resolves when the connection has ended, however it ended. */
  readonly closed: Promise<CloseRecord>;
  listeners: Array<(message: WsMessage) => void> = [];
  /** Off when a listener consumes every message (a STOMP session): nothing is kept for next(). */
  keepInbox = true;
  private received = { bytes: 0, messages: 0 };

  private constructor(ws: WebSocket, transcript: Transcript) {
    this.ws = ws;
    this.transcript = transcript;
    this.protocol = ws.protocol;
    this.closed = new Promise((resolve) => (this.closeResolve = resolve));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      // ws hands a Buffer for most messages: used as is (Buffer.from would copy every octet received).
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      this.received.bytes += bytes.length;
      if (++this.received.messages === MAX_RECEIVED_MESSAGES || (this.received.bytes >= MAX_RECEIVED_BYTES && this.received.bytes - bytes.length < MAX_RECEIVED_BYTES)) {
        transcript.note(`stopped reading after ${this.received.messages} messages (${this.received.bytes} octets): more than a case takes from one connection`);
        ws.pause();
      }
      transcript.record('in', isBinary ? 'binary' : 'text', bytes);
      const message = { data: bytes, binary: isBinary, at: transcript.now() };
      for (const l of this.listeners) l(message);
      if (this.keepInbox) {
        this.inbox.push(message);
        if (this.inbox.length > MAX_INBOX) this.inbox.shift();
      }
      this.wake();
    });
    ws.addEventListener('close', (event) => {
      const record: CloseRecord = {
        code: event.code,
        reason: event.reason,
        by: this.clientClosing ? 'client' : 'server',
        clean: event.wasClean,
        at: transcript.now(),
      };
      transcript.close = record;
      this.closeResolve(record);
      this.wake();
    });
    ws.on('error', (err) => transcript.note(`socket error: ${err.message}`));
  }

  static open(url: string, options: WsConnectOptions = {}, label = url): Promise<RecordingWebSocket> {
    const transcript = new Transcript(label);
    for (const secret of options.redact ?? []) transcript.redact(secret);
    registerUrlSecrets(url);
    transcript.note(`open ${url}${options.protocols?.length ? ` protocols=${options.protocols.join(',')}` : ''}`);
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? [], {
        rejectUnauthorized: !options.insecure,
        ...(url.startsWith('wss:') ? { secureContext: sharedSecureContext() } : {}),
        headers: options.headers,
        handshakeTimeout: timeoutMs,
        maxPayload: options.maxPayload ?? DEFAULT_MAX_MESSAGE_BYTES,
      });
      const fail = (why: string) => {
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        const err = new TargetUnreachableError(redact(`cannot open WebSocket ${url}: ${why}`));
        (err as { transcript?: Transcript }).transcript = transcript;
        reject(err);
      };
      ws.once('error', (err) => fail(redact(err.message || String(err))));
      ws.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      ws.once('open', () => {
        ws.removeAllListeners('error');
        const client = new RecordingWebSocket(ws, transcript);
        transcript.note(`opened, subprotocol=${ws.protocol || '(none)'}`);
        resolve(client);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Uint8Array, opts: { binary?: boolean } = {}): void {
    const binary = opts.binary ?? typeof data !== 'string';
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.transcript.record('out', binary ? 'binary' : 'text', bytes);
    if (this.ws.readyState !== WebSocket.OPEN) {
      this.transcript.note('not sent: the connection is no longer open');
      return;
    }
    this.ws.send(bytes, { binary });
  }

  /** The next message, waiting at most `timeoutMs`; `undefined` when the connection closed first. */
  async next(timeoutMs: number): Promise<WsMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.inbox.shift();
      if (message) return message;
      if (this.ws.readyState === WebSocket.CLOSED) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(`no message within ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  /** Waits until something arrives or the connection changes (or `ms` pass). */
  wait(ms: number): Promise<void> {
    return this.waiters.wait(ms);
  }

  private wake(): void {
    this.waiters.wake();
  }

  /** Waits for the connection to end; `undefined` if it is still open after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<CloseRecord | undefined> {
    return closedWithin(this.closed, timeoutMs);
  }

  /** Closes from our side (if still open) and waits briefly for the end. */
  async close(code = 1000, reason = ''): Promise<CloseRecord> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.clientClosing = true;
      this.ws.close(code, reason);
    }
    const record = await this.waitClosed(2000);
    if (record) return record;
    this.ws.terminate();
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.clientClosing = true;
    this.ws.terminate();
  }

  /** Pauses reading (the server's writes back up); used to probe isolation between sessions. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

let secureContext: SecureContext | undefined;
/**
 * One TLS context (the default trust store) for every client connection of a process: without it, each TLS
 * connection builds its own. Whether a certificate is checked is a per-connection option (`rejectUnauthorized`).
 */
export function sharedSecureContext(): SecureContext {
  return (secureContext ??= createSecureContext());
}
