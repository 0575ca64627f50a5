import { Buffer } from 'node:buffer';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { STOMP_TCP_PORT, type StompTransport, type TransportMessage } from './stomp-transport.ts';
import { Transcript, type CloseRecord } from './transcript.ts';
import { Waiters, closedWithin } from './waiters.ts';
import { TargetUnreachableError, sharedSecureContext } from './ws-client.ts';

export interface TcpConnectOptions {
  /** Accept self-signed TLS certificates (stomp+ssl). */
  insecure?: boolean;
  timeoutMs?: number;
  redact?: string[];
}

/**
 * A TCP (or TLS) client that records every read and write, and how the connection ended: STOMP's own transport,
 * where a frame may arrive in any number of reads and a read may carry any number of frames. A close is recorded as
 * WebSocket-like codes so that close verdicts read the same: 1000 for an orderly end (FIN), 1006 for a reset or error.
 */
export class RecordingTcp implements StompTransport {
  readonly protocol = '';
  listeners: Array<(message: TransportMessage) => void> = [];
  readonly closed: Promise<CloseRecord>;
  private readonly waiters = new Waiters();
  private clientClosing = false;
  private failed = false;
  private ended = false;
  private closeResolve!: (record: CloseRecord) => void;

  private constructor(
    private readonly socket: Socket,
    readonly transcript: Transcript,
  ) {
    this.closed = new Promise((resolve) => (this.closeResolve = resolve));
    socket.on('data', (data: Buffer) => {
      transcript.record('in', 'text', data);
      const message = { data, binary: false, at: transcript.now() };
      for (const l of this.listeners) l(message);
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.failed = true;
      transcript.note(`socket error: ${err.code ?? err.message}`);
    });
    socket.on('close', (hadError) => {
      this.ended = true;
      const reset = hadError || this.failed;
      const record: CloseRecord = {
        code: reset ? 1006 : 1000,
        reason: reset ? 'TCP connection reset' : 'TCP connection closed',
        by: this.clientClosing ? 'client' : 'server',
        clean: !reset,
        at: transcript.now(),
      };
      transcript.close = record;
      this.closeResolve(record);
      this.wake();
    });
  }

  static open(url: string, options: TcpConnectOptions = {}, label = url): Promise<RecordingTcp> {
    const u = new URL(url);
    const tls = u.protocol === 'stomp+ssl:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || STOMP_TCP_PORT);
    const transcript = new Transcript(label);
    for (const secret of options.redact ?? []) transcript.redact(secret);
    transcript.note(`open ${url} (STOMP over ${tls ? 'TLS' : 'TCP'})`);
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = tls
        ? connectTls({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: !options.insecure, secureContext: sharedSecureContext() })
        : connectTcp({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.destroy();
        const err = new TargetUnreachableError(`cannot open ${url}: ${why}`);
        (err as { transcript?: Transcript }).transcript = transcript;
        reject(err);
      };
      socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ? `${err.code} ${err.message}` : err.message));
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        transcript.note(`connected${tls ? ' (TLS)' : ''}`);
        resolve(new RecordingTcp(socket, transcript));
      });
    });
  }

  get isOpen(): boolean {
    return !this.ended && !this.socket.destroyed && this.socket.writable;
  }

  send(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.transcript.record('out', 'text', bytes);
    if (!this.isOpen) {
      this.transcript.note('not sent: the connection is no longer open');
      return;
    }
    this.socket.write(bytes);
  }

  /** Waits until something arrives or the connection changes (or `ms` pass). */
  wait(ms: number): Promise<void> {
    return this.waiters.wait(ms);
  }

  private wake(): void {
    this.waiters.wake();
  }

  waitClosed(timeoutMs: number): Promise<CloseRecord | undefined> {
    return closedWithin(this.closed, timeoutMs);
  }

  /** Ends our side (FIN) and waits briefly for the server's; then cuts the connection. */
  async close(): Promise<CloseRecord> {
    if (!this.ended) {
      this.clientClosing = true;
      this.socket.end();
    }
    const record = await this.waitClosed(2000);
    if (record) return record;
    this.socket.destroy();
    return this.closed;
  }

  /** Drops the connection with a reset, as a crashed client or a broken network would. */
  terminate(): void {
    if (this.ended) return;
    this.clientClosing = true;
    try {
      this.socket.resetAndDestroy();
    } catch {
      // A TLS socket cannot send an RST from here: dropping it without close_notify is the loss the server sees.
      this.socket.destroy();
    }
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}
