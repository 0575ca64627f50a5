import { Buffer } from 'node:buffer';
import { StompParser, header, serialize, type FrameInput, type ParsedFrame, type SerializeOptions, type StompViolation } from '../stomp/index.ts';
import { registerSecret, registerUrlSecrets } from '../report/redact.ts';
import { isTcpStompUrl, type StompTransport } from './stomp-transport.ts';
import { RecordingTcp } from './tcp-client.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, RecordingWebSocket, WaitTimeoutError, type WsConnectOptions } from './ws-client.ts';
import type { CloseRecord } from './transcript.ts';

export interface StompEndpoint {
  /** ws:// or wss:// (STOMP over WebSocket), stomp:// or stomp+ssl:// (STOMP over TCP or TLS). */
  url: string;
  /** `host` header of CONNECT (a virtual host; RabbitMQ wants `/`). */
  host?: string;
  login?: string;
  passcode?: string;
  insecure?: boolean;
  /** WebSocket subprotocols offered; default: the three STOMP ones. */
  protocols?: string[];
}

export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/** Frames a session keeps (taken or waiting), and the octets of their bodies. */
const MAX_FRAMES_KEPT = 5_000;
const MAX_FRAME_BYTES_KEPT = 512 * 1024;

export interface ReceivedFrame extends ParsedFrame {
  /** Milliseconds since the session's transcript started. */
  at: number;
  /** Index of the WebSocket message (TCP: the read) that completed this frame. */
  message: number;
}

/**
 * A STOMP session over a recording transport (WebSocket, or raw TCP/TLS). Incoming bytes go through the lenient
 * parser, so a deviating server never breaks the flow: violations ride on each frame for the case that asserts them.
 */
export class StompSession {
  readonly frames: ReceivedFrame[] = [];
  /**
   * Arrival times (ms) of server heart-beats: EOLs in WebSocket messages that carry no frame. EOLs trailing a frame
   * in its own message (RabbitMQ ends every frame with NUL LF) are padding, not heart-beats.
   */
  get heartbeats(): number[] {
    const withFrames = new Set(this.frames.map((f) => f.message));
    return this.eols.filter((e) => !withFrames.has(e.message)).map((e) => e.at);
  }
  private readonly eols: Array<{ at: number; message: number }> = [];
  /** A violation the lenient parser could not get past (a limit), if any. */
  parseError: StompViolation | undefined;
  private readonly parser: StompParser;
  private messageCount = 0;
  private cursor = 0;

  private constructor(
    /** The connection under the session (named `ws` for history: on TCP it is a RecordingTcp). */
    readonly ws: StompTransport,
    readonly endpoint: StompEndpoint,
  ) {
    this.parser = new StompParser(
      {
        onFrame: (frame) => this.frames.push({ ...frame, at: ws.transcript.now(), message: this.messageCount - 1 }),
        onHeartbeat: () => this.eols.push({ at: ws.transcript.now(), message: this.messageCount - 1 }),
        onError: (error) => {
          this.parseError = error;
          ws.transcript.note(`unparseable input at byte ${error.offset}: ${error.rule}: ${error.message}`);
        },
      },
      // A frame body larger than any message the harness accepts cannot be one it asked for.
      { mode: 'lenient', limits: { maxBodyBytes: DEFAULT_MAX_MESSAGE_BYTES } },
    );
    if (ws instanceof RecordingWebSocket) ws.keepInbox = false;
    ws.listeners.push((message) => {
      this.messageCount++;
      this.parser.push(message.data);
      this.bound();
    });
  }

  static async open(endpoint: StompEndpoint, label: string, options: WsConnectOptions = {}): Promise<StompSession> {
    registerSecret(endpoint.passcode, 'STOMP passcode');
    registerUrlSecrets(endpoint.url);
    if (isTcpStompUrl(endpoint.url)) {
      const tcp = await RecordingTcp.open(endpoint.url, { insecure: endpoint.insecure, timeoutMs: options.timeoutMs, redact: [endpoint.passcode ?? ''].filter(Boolean) }, label);
      return new StompSession(tcp, endpoint);
    }
    const ws = await RecordingWebSocket.open(
      endpoint.url,
      {
        protocols: options.protocols ?? endpoint.protocols ?? STOMP_SUBPROTOCOLS,
        insecure: endpoint.insecure,
        redact: [endpoint.passcode ?? ''].filter(Boolean),
        ...options,
      },
      label,
    );
    return new StompSession(ws, endpoint);
  }

  get transcript() {
    return this.ws.transcript;
  }

  /** What carries the session: WebSocket messages, or a TCP byte stream (no message boundaries, no subprotocol). */
  get transport(): 'websocket' | 'tcp' {
    return this.ws instanceof RecordingTcp ? 'tcp' : 'websocket';
  }

  /** Sends a frame (escaped, byte-exact content-length unless told otherwise). */
  send(frame: FrameInput, options?: SerializeOptions & { binary?: boolean }): Buffer {
    const bytes = serialize(frame, options);
    this.ws.send(bytes, { binary: options?.binary ?? false });
    return bytes;
  }

  /** Sends bytes exactly as given (malformed frames, split frames, heart-beats). */
  sendRaw(data: string | Uint8Array, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next frame not yet taken (matching `accept` if given; others are skipped over, not lost). */
  async nextFrame(timeoutMs: number, accept?: (f: ReceivedFrame) => boolean): Promise<ReceivedFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.frames.length; i++) {
        const f = this.frames[i];
        if (!accept || accept(f)) {
          if (i === this.cursor) this.cursor++;
          else this.frames.splice(i, 1), this.frames.splice(this.cursor++, 0, f);
          return f;
        }
      }
      if (!this.ws.isOpen) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.ws.wait(left);
    }
  }

  /** Waits for a frame with the given command. */
  nextCommand(command: string, timeoutMs: number): Promise<ReceivedFrame | undefined> {
    return this.nextFrame(timeoutMs, (f) => f.command === command);
  }

  /**
   * Frames kept: a flooding peer cannot grow the harness without bound. Taken frames go first; then, beyond the
   * budget, the oldest untaken ones (noted in the transcript: the case can no longer see them).
   */
  private bound(): void {
    if (this.eols.length > MAX_FRAMES_KEPT) this.eols.splice(0, this.eols.length - MAX_FRAMES_KEPT);
    let bytes = 0;
    let keep = 0;
    for (let i = this.frames.length - 1; i >= 0 && keep < MAX_FRAMES_KEPT; i--, keep++) {
      bytes += this.frames[i].body.length;
      if (bytes > MAX_FRAME_BYTES_KEPT && keep > 0) break;
    }
    if (keep >= this.frames.length) return;
    const excess = this.frames.length - keep;
    const taken = Math.min(this.cursor, excess);
    this.frames.splice(0, taken);
    this.cursor -= taken;
    if (excess > taken) {
      this.frames.splice(this.cursor, excess - taken);
      this.transcript.note(`${excess - taken} frames dropped unread: more were waiting than a session keeps (${MAX_FRAMES_KEPT} frames, ${MAX_FRAME_BYTES_KEPT} octets)`);
    }
  }

  /** Frames received so far and not yet taken. */
  pending(): ReceivedFrame[] {
    return this.frames.slice(this.cursor);
  }

  /** Why an expected frame is missing: still open, or closed (with code and side). */
  describeSilence(waitedMs: number): string {
    const close = this.transcript.close;
    if (close) return `no frame; the connection was closed with code ${close.code}${close.reason ? ` "${close.reason}"` : ''} by the ${close.by}`;
    return `no frame within ${waitedMs} ms`;
  }

  /** CONNECT (or STOMP) with the endpoint's credentials; returns the server's answer (CONNECTED or ERROR). */
  async connect(
    extra: Record<string, string> = {},
    opts: { command?: 'CONNECT' | 'STOMP'; timeoutMs?: number } = {},
  ): Promise<ReceivedFrame | undefined> {
    const headers: Record<string, string> = { 'accept-version': '1.2', host: this.endpoint.host ?? 'localhost' };
    if (this.endpoint.login !== undefined) headers.login = this.endpoint.login;
    if (this.endpoint.passcode !== undefined) headers.passcode = this.endpoint.passcode;
    Object.assign(headers, extra);
    this.send({ command: opts.command ?? 'CONNECT', headers });
    return this.nextFrame(opts.timeoutMs ?? 5000, (f) => f.command === 'CONNECTED' || f.command === 'ERROR');
  }

  /** CONNECT that must succeed: anything but CONNECTED is a harness-level failure to set up the flow. */
  async connectOrThrow(extra: Record<string, string> = {}, timeoutMs = 5000): Promise<ReceivedFrame> {
    const answer = await this.connect(extra, { timeoutMs });
    if (!answer || answer.command !== 'CONNECTED') {
      const what = answer ? `${answer.command} ${header(answer, 'message') ?? ''}` : 'nothing';
      throw new FlowError(`CONNECT was answered by ${what}`);
    }
    return answer;
  }

  subscribe(destination: string, id: string, extra: Record<string, string> = {}): void {
    this.send({ command: 'SUBSCRIBE', headers: { id, destination, ...extra } });
  }

  /** SUBSCRIBE with a receipt, so that later SENDs are known to reach the subscription. */
  async subscribeAndWait(destination: string, id: string, timeoutMs = 2000): Promise<void> {
    const receipt = `sub-${id}`;
    this.subscribe(destination, id, { receipt });
    const got = await this.nextFrame(timeoutMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === receipt);
    if (!got) throw new FlowError(`no RECEIPT for SUBSCRIBE ${destination} within ${timeoutMs} ms`);
  }

  waitClosed(timeoutMs: number): Promise<CloseRecord | undefined> {
    return this.ws.waitClosed(timeoutMs);
  }

  get isOpen(): boolean {
    return this.ws.isOpen;
  }

  close(): Promise<CloseRecord> {
    return this.ws.close();
  }
}

/** A step the case needed (not the one it asserts) did not work: reported as broken, not failed. */
export class FlowError extends Error {
  override name = 'FlowError';
}

export { WaitTimeoutError };
