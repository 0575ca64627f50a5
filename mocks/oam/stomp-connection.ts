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
import { ACK_MODES, Broker, type AckMode, type BrokerMessage, type Subscription } from './broker.ts';
import { wsLink, type StompLink } from './stomp-link.ts';

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
/** The quirk stomp.tx-ids-global: transaction ids shared by every session of the process. */
const GLOBAL_TRANSACTIONS = new Map<string, Array<() => void>>();
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
  private ackCounter = 0;
  private sendTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private connectTimer: NodeJS.Timeout | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  /** This session's share of the server's incomplete-frame budget. */
  private partialBytes = 0;
  /** Messages delivered to a subscription that must acknowledge them, in delivery order (ack id → message). */
  private readonly unacked = new Map<string, { sub: Subscription; message: BrokerMessage }>();
  /** Transactions begun and not yet committed or aborted: their SEND/ACK/NACK, to be applied on COMMIT. */
  private readonly transactions = new Map<string, Array<() => void>>();
  private readonly ws: StompLink;

  constructor(
    socket: WebSocket | StompLink,
    private readonly broker: Broker,
    private readonly settings: StompEndpointSettings,
    private readonly onSend?: FrameHandler,
  ) {
    const ws = (this.ws = 'onData' in socket ? socket : wsLink(socket));
    this.parser = new StompParser(
      {
        onFrame: (frame) => this.handle(frame),
        onError: (error) => this.protocolError(describeViolation(error), undefined),
      },
      { mode: 'strict', limits: this.quirks.has('stomp.no-size-limits') ? DEFAULT_LIMITS : settings.limits },
    );
    ws.onData((data: Buffer) => {
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
    ws.onClose(() => this.dispose());
    if (settings.connectTimeoutMs) {
      const timer = (this.connectTimer = setTimeout(() => {
        if (this.state === 'awaiting-connect') this.closeSoon(1000, 'no STOMP CONNECT within stomp_max_timeout');
      }, settings.connectTimeoutMs));
      ws.onClose(() => clearTimeout(timer));
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
        return this.acknowledge(frame);
      default: // BEGIN, COMMIT, ABORT
        return this.transaction(frame);
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
    if (sendEvery && !this.quirks.has('stomp.no-server-heartbeats')) this.sendTimer = setInterval(() => this.ws.isOpen && this.ws.send(Buffer.from('\n'), false), sendEvery / 2);
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
    const ack = (header(frame, 'ack') ?? 'auto') as AckMode;
    if (!ACK_MODES.includes(ack)) return this.protocolError(`ack mode "${ack}" is not one of ${ACK_MODES.join(', ')}`, frame);
    const sub: Subscription = { id, destination: header(frame, 'destination')!, connection: this, ack };
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
      this.releaseUnacked(sub);
    }
    this.receipt(frame);
  }

  private send(frame: ParsedFrame): void {
    if (!this.require(frame, 'destination')) return;
    const publish = () => {
      if (!this.onSend?.(frame, this)) this.broker.publish(header(frame, 'destination')!, frame);
    };
    if (!this.inTransaction(frame, publish)) return;
    this.receipt(frame);
  }

  /**
   * Runs `effect` now, or on COMMIT of the frame's transaction. False (after ERROR) when the frame names a
   * transaction that was not begun on this connection.
   */
  private inTransaction(frame: ParsedFrame, effect: () => void): boolean {
    const tx = header(frame, 'transaction');
    if (tx === undefined || (this.quirks.has('stomp.tx-send-before-commit') && frame.command === 'SEND')
      || (this.quirks.has('stomp.tx-ack-immediate') && frame.command !== 'SEND')) {
      effect();
      return true;
    }
    const ops = this.transactions.get(tx) ?? (this.quirks.has('stomp.tx-ids-global') ? GLOBAL_TRANSACTIONS.get(tx) : undefined);
    if (!ops) {
      if (this.quirks.has('stomp.unknown-tx-ignored')) return true;
      this.protocolError(`${frame.command} names transaction "${tx}", which was not begun on this connection`, frame);
      return false;
    }
    ops.push(effect);
    return true;
  }

  /** ACK/NACK by the `ack` header of a MESSAGE: cumulative in `client` mode, one message in `client-individual`. */
  private acknowledge(frame: ParsedFrame): void {
    if (!this.require(frame, 'id')) return;
    const id = header(frame, 'id')!;
    const entry = this.unacked.get(id);
    if (!entry) {
      if (this.quirks.has('stomp.unknown-ack-ignored')) return this.receipt(frame);
      return this.protocolError(`${frame.command} id "${id}" names no message awaiting acknowledgement on this connection`, frame);
    }
    const apply = () => {
      const mode = entry.sub.ack;
      let cumulative = mode === 'client';
      if (mode === 'client' && this.quirks.has('stomp.ack-not-cumulative')) cumulative = false;
      if (mode === 'client-individual' && this.quirks.has('stomp.individual-ack-cumulative')) cumulative = true;
      const settled: string[] = [];
      if (cumulative) {
        for (const [key, e] of this.unacked) {
          if (e.sub === entry.sub) settled.push(key);
          if (key === id) break;
        }
      } else if (this.unacked.has(id)) settled.push(id);
      // The reference server discards what is NACKed (the spec leaves it to the server: redeliver, discard, dead-letter).
      for (const key of settled) this.unacked.delete(key);
    };
    if (!this.inTransaction(frame, apply)) return;
    this.receipt(frame);
  }

  /** BEGIN, COMMIT and ABORT. */
  private transaction(frame: ParsedFrame): void {
    if (!this.require(frame, 'transaction')) return;
    const tx = header(frame, 'transaction')!;
    const known = this.quirks.has('stomp.tx-ids-global') ? GLOBAL_TRANSACTIONS : this.transactions;
    if (frame.command === 'BEGIN') {
      if (known.has(tx) && !this.quirks.has('stomp.duplicate-begin-accepted')) {
        return this.protocolError(`transaction "${tx}" is already begun on this connection`, frame);
      }
      if (!known.has(tx)) known.set(tx, []);
      if (known !== this.transactions) this.transactions.set(tx, known.get(tx)!);
      return this.receipt(frame);
    }
    const ops = known.get(tx);
    if (!ops) {
      if (this.quirks.has('stomp.unknown-tx-ignored')) return this.receipt(frame);
      return this.protocolError(`${frame.command} of transaction "${tx}", which was not begun on this connection`, frame);
    }
    known.delete(tx);
    this.transactions.delete(tx);
    if (frame.command === 'COMMIT' || this.quirks.has('stomp.abort-delivers')) for (const op of ops) op();
    this.receipt(frame);
  }

  /** Unacknowledged messages of an ended subscription go back to its queue (topics: dropped). */
  private releaseUnacked(sub: Subscription): void {
    const back: BrokerMessage[] = [];
    for (const [key, e] of this.unacked) {
      if (e.sub !== sub) continue;
      this.unacked.delete(key);
      back.push(e.message);
    }
    this.broker.requeue(sub.destination, back);
  }

  private disconnect(frame: ParsedFrame): void {
    if (!this.quirks.has('stomp.no-disconnect-receipt')) this.receipt(frame);
    this.closeSoon(1000, 'DISCONNECT');
  }

  /** Delivers a MESSAGE for one of this connection's subscriptions (`charCount`: the content-length quirk). */
  deliver(sub: Subscription, source: FrameInput & { headers: Array<[string, string]> }, charCount = false): void {
    const messageId = `${this.session}-${this.quirks.has('stomp.message-id-reused') ? 1 : ++this.messageCounter}`;
    const headers: Array<[string, string]> = [
      ['destination', sub.destination],
      ['message-id', messageId],
      ['subscription', sub.id],
    ];
    const explicit = sub.ack !== 'auto' || (Broker.isQueue(sub.destination) && this.quirks.has('stomp.auto-not-consumed'));
    if (explicit) {
      // Its own counter: the message-id quirk must not make two messages indistinguishable to ACK.
      const ackId = `${this.session}-ack-${++this.ackCounter}`;
      this.unacked.set(ackId, { sub, message: source });
      if (sub.ack !== 'auto' && !this.quirks.has('stomp.no-ack-header')) headers.push(['ack', ackId]);
    }
    if ((source as BrokerMessage).redelivered) headers.push(['redelivered', 'true']);
    const skip = new Set(['destination', 'message-id', 'subscription', 'receipt', 'content-length', 'transaction', 'ack', 'redelivered']);
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
    if (!this.ws.isOpen) return;
    const bytes = serialize(frame, { contentLength });
    this.ws.send(bytes, !isUtf8(bytes));
    const limit = this.settings.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    if (this.ws.bufferedAmount > limit && this.state !== 'closed') this.slowConsumer(limit);
  }

  /** A client that stopped reading: ERROR (if it ever reads again), then cut off, its queue released. */
  private slowConsumer(limit: number): void {
    const queued = this.ws.bufferedAmount;
    this.dispose();
    this.ws.send(serialize({ command: 'ERROR', headers: [['message', `slow consumer: ${queued} octets queued, more than ${limit}`]] }), false);
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
    // STOMP 1.2: transactions not committed are aborted by DISCONNECT or a lost connection.
    for (const [tx, ops] of this.transactions) {
      if (this.quirks.has('stomp.disconnect-commits')) for (const op of ops) op();
      GLOBAL_TRANSACTIONS.delete(tx);
    }
    this.transactions.clear();
    for (const sub of this.subscriptions.values()) {
      this.broker.remove(sub);
      this.releaseUnacked(sub);
    }
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
