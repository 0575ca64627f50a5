import { Buffer, isUtf8 } from 'node:buffer';
import type WebSocket from 'ws';
import {
  CLIENT_COMMANDS,
  StompParser,
  header,
  serialize,
  type FrameInput,
  type ParsedFrame,
  type ParserLimits,
  type StompViolation,
  unescapeHeader,
  DEFAULT_LIMITS,
} from '../../src/stomp/index.ts';
import type { Quirk } from '../quirks.ts';
import type { Broker, Subscription } from './broker.ts';

export interface StompEndpointSettings {
  /** [can send every ms, wants to receive every ms]; 0 = not at all. */
  heartBeat: [number, number];
  limits: ParserLimits;
  serverName: string;
  /** Close a WebSocket that has not completed CONNECT within this many ms (0: never). */
  connectTimeoutMs?: number;
  /** Fault switches of the STOMP layer (mocks/oam/stomp-quirks.ts). */
  quirks?: ReadonlySet<Quirk>;
  /**
   * Octets queued for a client that does not read (RabbitMQ's credit flow, in effect): beyond this the session gets an
   * ERROR and is cut off, so a slow subscriber never grows the server. Default 4 MiB.
   */
  maxQueuedBytes?: number;
  /** A frame begun and not finished within this many ms is an error (ERROR then close). Default 10 s. */
  incompleteFrameMs?: number;
  /**
   * Octets all sessions of a server may hold in incomplete frames together (shared by its sessions): a session whose
   * partial frame would pass it gets ERROR then close. Default 64 MiB.
   */
  incompleteFrameBudget?: { max: number; used: number };
}

export const DEFAULT_INCOMPLETE_FRAME_BUDGET = 64 * 1024 * 1024;

export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_INCOMPLETE_FRAME_MS = 10_000;

/** An application destination (an OAM realm): returns true when it took the SEND, so the broker does not. */
export type FrameHandler = (frame: ParsedFrame, connection: StompConnection) => boolean;

let sessionCounter = 0;
const NO_QUIRKS: ReadonlySet<Quirk> = new Set();

/**
 * One STOMP 1.2 session of the reference server: strict parsing, ERROR-then-close for anything it cannot process,
 * heart-beating, subscriptions through the broker. Application destinations (OAM realms) plug in as handlers.
 */
export class StompConnection {
  readonly session = `session-${++sessionCounter}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly parser: StompParser;
  private state: 'awaiting-connect' | 'connected' | 'closed' = 'awaiting-connect';
  private readonly subscriptions = new Map<string, Subscription>();
  private messageCounter = 0;
  private sendTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private connectTimer: NodeJS.Timeout | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  /** This session's share of the server's incomplete-frame budget. */
  private partialBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly broker: Broker,
    private readonly settings: StompEndpointSettings,
    private readonly onSend?: FrameHandler,
  ) {
    this.parser = new StompParser(
      {
        onFrame: (frame) => this.handle(frame),
        onError: (error) => this.protocolError(describeViolation(error), undefined),
      },
      { mode: 'strict', limits: this.quirks.has('stomp.no-size-limits') ? DEFAULT_LIMITS : settings.limits },
    );
    ws.on('message', (data: Buffer) => {
      this.lastReceived = Date.now();
      if (this.quirks.has('stomp.refuse-crlf') && /[^\0\r\n]\r\n/.test(data.toString('latin1'))) {
        return this.protocolError('CRLF line endings are not supported', undefined);
      }
      try {
        if (this.quirks.has('stomp.frame-per-message')) this.parseAlone(data);
        else this.parser.push(data);
      } catch (err) {
        this.protocolError(`internal error: ${(err as Error).message}`, undefined);
      }
      this.watchPartialFrame();
    });
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
    if (settings.connectTimeoutMs) {
      const timer = (this.connectTimer = setTimeout(() => {
        if (this.state === 'awaiting-connect') this.closeSoon(1000, 'no STOMP CONNECT within stomp_max_timeout');
      }, settings.connectTimeoutMs));
      ws.once('close', () => clearTimeout(timer));
    }
  }

  /** An incomplete frame may not be held forever (a client that sends half a frame and goes quiet). */
  private watchPartialFrame(): void {
    const budget = this.settings.incompleteFrameBudget;
    const held = this.state === 'closed' ? 0 : this.parser.buffered;
    if (budget) {
      budget.used += held - this.partialBytes;
      this.partialBytes = held;
      if (held > 0 && budget.used > budget.max) {
        return this.protocolError(`incomplete frame: the server holds ${budget.used} octets of incomplete frames, more than ${budget.max}`, undefined);
      }
    }
    if (this.parser.idle || this.state === 'closed') {
      clearTimeout(this.partialTimer);
      this.partialTimer = undefined;
      return;
    }
    if (this.partialTimer) return;
    const ms = this.settings.incompleteFrameMs ?? DEFAULT_INCOMPLETE_FRAME_MS;
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      if (!this.parser.idle) this.protocolError(`incomplete frame: ${this.parser.buffered} octets without the end of the frame within ${ms} ms`, undefined);
    }, ms);
    this.partialTimer.unref();
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /** The fault switches this session runs with. */
  get quirks(): ReadonlySet<Quirk> {
    return this.settings.quirks ?? NO_QUIRKS;
  }

  /**
   * The quirk stomp.frame-per-message (ActiveMQ Classic's WebSocket transport): each message is parsed on its own as
   * exactly one frame. A frame cut short by the end of its message is refused; frames after the first are dropped.
   */
  private parseAlone(data: Buffer): void {
    const frames: ParsedFrame[] = [];
    let error: StompViolation | undefined;
    const alone = new StompParser({ onFrame: (f) => frames.push(f), onError: (e) => (error ??= e) }, { mode: 'strict', limits: this.parser.limits });
    alone.push(data);
    if (error) return this.protocolError(describeViolation(error), undefined);
    if (frames.length) return this.handle(frames[0]);
    if (!alone.idle) this.protocolError('incomplete frame: a WebSocket message must hold exactly one frame', undefined);
  }

  private handle(frame: ParsedFrame): void {
    if (this.state === 'closed') return;
    if (this.quirks.has('stomp.trim-header-values')) frame = { ...frame, headers: frame.headers.map(([n, v]) => [n, v.trim()]) };
    if (this.quirks.has('stomp.nested-escape-decoding') && frame.command === 'SEND') {
      const twice = (n: string, v: string): [string, string] => (n === 'receipt' || n === 'destination' ? [n, v] : [unescapeHeader(n).value, unescapeHeader(v).value]);
      frame = { ...frame, headers: frame.headers.map(([n, v]) => twice(n, v)) };
    }
    if (this.quirks.has('stomp.last-repeated-header-wins')) {
      frame = { ...frame, headers: frame.headers.filter(([n], i) => !frame.headers.some(([m], j) => j > i && m === n)) };
    }
    const { command } = frame;
    if (this.state === 'awaiting-connect') {
      if (command === 'STOMP' && this.quirks.has('stomp.no-stomp-synonym')) return this.protocolError('unknown command "STOMP"', frame);
      if (command === 'CONNECT' || command === 'STOMP') return this.connect(frame);
      return this.protocolError(`${command} before CONNECT`, frame);
    }
    if (!CLIENT_COMMANDS.has(command)) return this.protocolError(`unknown command "${command}"`, frame);
    switch (command) {
      case 'CONNECT':
      case 'STOMP':
        return this.protocolError('already connected', frame);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'SEND':
        return this.send(frame);
      case 'DISCONNECT':
        return this.disconnect(frame);
      case 'ACK':
      case 'NACK':
        if (!this.require(frame, 'id')) return;
        return this.receipt(frame);
      default: // BEGIN, COMMIT, ABORT
        if (!this.require(frame, 'transaction')) return;
        return this.receipt(frame);
    }
  }

  private connect(frame: ParsedFrame): void {
    if (this.quirks.has('stomp.escape-connect-headers')) {
      const bad = frame.headers.find(([, v]) => unescapeHeader(v).badEscapeAt >= 0);
      if (bad) return this.protocolError(`undefined escape in CONNECT header "${bad[0]}"`, frame);
      frame = { ...frame, headers: frame.headers.map(([n, v]) => [n, unescapeHeader(v).value]) };
    }
    const offered = (header(frame, 'accept-version') ?? '1.0').split(',').map((v) => v.trim());
    if (!offered.includes('1.2')) {
      const extra: Record<string, string> = this.quirks.has('stomp.no-version-on-version-error') ? {} : { version: '1.2' };
      return this.error('Supported protocol versions are 1.2', frame, extra,
        `None of the versions you accept (${offered.join(', ')}) is supported; this server speaks 1.2.`);
    }
    const [cx, cy] = parseHeartBeat(header(frame, 'heart-beat'));
    if (cx < 0) return this.protocolError(`malformed heart-beat header "${header(frame, 'heart-beat')}"`, frame);
    const [sx, sy] = this.settings.heartBeat;
    this.state = 'connected';
    this.write({
      command: 'CONNECTED',
      headers: [
        ['version', '1.2'],
        ['heart-beat', `${sx},${sy}`],
        ['server', this.settings.serverName],
        ['session', this.session],
      ],
    });
    const sendEvery = sx > 0 && cy > 0 ? Math.max(sx, cy) : 0;
    const expectEvery = cx > 0 && sy > 0 ? Math.max(cx, sy) : 0;
    // Beats at half the negotiated interval ("at least every <n> ms"): a stall of this process under load leaves margin.
    if (sendEvery && !this.quirks.has('stomp.no-server-heartbeats')) this.sendTimer = setInterval(() => this.ws.readyState === 1 && this.ws.send('\n'), sendEvery / 2);
    if (expectEvery) {
      this.watchTimer = setInterval(() => {
        // Ten intervals of silence, not one: the spec leaves the grace to the server, and a loaded client is no dead one.
        if (Date.now() - this.lastReceived > expectEvery * 10) this.protocolError('no heart-beat from the client', undefined);
      }, expectEvery);
    }
  }

  private subscribe(frame: ParsedFrame): void {
    if (!this.require(frame, 'destination', ...(this.quirks.has('stomp.subscribe-without-id') ? [] : ['id']))) return;
    const id = header(frame, 'id') ?? '';
    if (this.subscriptions.has(id)) return this.protocolError(`subscription id "${id}" is already in use`, frame);
    const sub: Subscription = { id, destination: header(frame, 'destination')!, connection: this };
    this.subscriptions.set(id, sub);
    this.broker.add(sub);
    this.receipt(frame);
  }

  private unsubscribe(frame: ParsedFrame): void {
    if (!this.require(frame, 'id')) return;
    const sub = this.subscriptions.get(header(frame, 'id')!);
    if (sub) {
      this.subscriptions.delete(sub.id);
      this.broker.remove(sub);
    }
    this.receipt(frame);
  }

  private send(frame: ParsedFrame): void {
    if (!this.require(frame, 'destination')) return;
    if (!this.onSend?.(frame, this)) this.broker.publish(header(frame, 'destination')!, frame);
    this.receipt(frame);
  }

  private disconnect(frame: ParsedFrame): void {
    if (!this.quirks.has('stomp.no-disconnect-receipt')) this.receipt(frame);
    this.closeSoon(1000, 'DISCONNECT');
  }

  /** Delivers a MESSAGE for one of this connection's subscriptions (`charCount`: the content-length quirk). */
  deliver(sub: Subscription, source: FrameInput & { headers: Array<[string, string]> }, charCount = false): void {
    const headers: Array<[string, string]> = [
      ['destination', sub.destination],
      ['message-id', `${this.session}-${this.quirks.has('stomp.message-id-reused') ? 1 : ++this.messageCounter}`],
      ['subscription', sub.id],
    ];
    const skip = new Set(['destination', 'message-id', 'subscription', 'receipt', 'content-length', 'transaction']);
    const seen = new Set<string>();
    for (const [name, value] of source.headers) {
      // STOMP 1.2: of a repeated header only the first occurrence counts, so only that one is passed on.
      if (skip.has(name) || seen.has(name)) continue;
      seen.add(name);
      headers.push([name, value]);
    }
    if (charCount || this.quirks.has('stomp.content-length-counts-chars')) {
      const chars = [...Buffer.from(source.body ?? '').toString('utf8')].length;
      this.write({ command: 'MESSAGE', headers: [...headers, ['content-length', String(chars)]], body: source.body }, 'keep');
    } else this.write({ command: 'MESSAGE', headers, body: source.body });
  }

  /** Delivers a message to this session's own subscriptions of `destination` (a user destination); returns how many. */
  deliverOwn(destination: string, source: FrameInput & { headers: Array<[string, string]> }, charCount = false): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) {
      if (sub.destination === destination) {
        this.deliver(sub, source, charCount);
        n++;
      }
    }
    return n;
  }

  /** Sends a frame on this session (used by application handlers too). */
  write(frame: FrameInput, contentLength: 'auto' | 'keep' = 'auto'): void {
    if (this.ws.readyState !== 1) return;
    const bytes = serialize(frame, { contentLength });
    this.ws.send(bytes, { binary: !isUtf8(bytes) });
    const limit = this.settings.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    if (this.ws.bufferedAmount > limit && this.state !== 'closed') this.slowConsumer(limit);
  }

  /** A client that stopped reading: ERROR (if it ever reads again), then cut off, its queue released. */
  private slowConsumer(limit: number): void {
    const queued = this.ws.bufferedAmount;
    this.dispose();
    this.ws.send(serialize({ command: 'ERROR', headers: [['message', `slow consumer: ${queued} octets queued, more than ${limit}`]] }));
    this.ws.terminate();
  }

  private receipt(frame: ParsedFrame): void {
    const receipt = header(frame, 'receipt');
    if (receipt !== undefined) this.write({ command: 'RECEIPT', headers: [['receipt-id', receipt]] });
  }

  private require(frame: ParsedFrame, ...names: string[]): boolean {
    const missing = names.filter((n) => header(frame, n) === undefined);
    if (missing.length === 0) return true;
    this.protocolError(`${frame.command} is missing the mandatory header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, frame);
    return false;
  }

  /** ERROR then close: the only answer to a frame the server cannot process. */
  protocolError(message: string, frame: ParsedFrame | undefined): void {
    this.error(message, frame, {}, message);
  }

  private error(message: string, frame: ParsedFrame | undefined, extra: Record<string, string>, details: string): void {
    if (this.state === 'closed') return;
    const headers: Array<[string, string]> = [['message', message], ...Object.entries(extra), ['content-type', 'text/plain']];
    const receipt = frame && header(frame, 'receipt');
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    this.write({ command: 'ERROR', headers, body: details });
    if (this.quirks.has('stomp.no-close-after-error')) return clearTimeout(this.connectTimer); // stays open, even before CONNECT
    this.closeSoon(1002, 'STOMP protocol error');
  }

  private closeSoon(code: number, reason: string): void {
    this.dispose();
    this.ws.close(code, reason);
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private dispose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.partialTimer);
    if (this.settings.incompleteFrameBudget) this.settings.incompleteFrameBudget.used -= this.partialBytes;
    this.partialBytes = 0;
    clearInterval(this.sendTimer);
    clearInterval(this.watchTimer);
    for (const sub of this.subscriptions.values()) this.broker.remove(sub);
    this.subscriptions.clear();
  }
}

function parseHeartBeat(value: string | undefined): [number, number] {
  if (value === undefined) return [0, 0];
  const m = /^(\d+),(\d+)$/.exec(value);
  return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
}

function describeViolation(v: StompViolation): string {
  return `malformed frame: ${v.message} (${v.rule} at byte ${v.offset})`;
}
