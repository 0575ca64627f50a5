import { redact } from '../report/redact.ts';
import { header, type ParsedFrame } from '../stomp/index.ts';
import type { ProbedValue, StompFraming, TargetFile } from '../target/target.ts';
import { StompSession, STOMP_SUBPROTOCOLS, type StompEndpoint } from '../transport/stomp-session.ts';
import { VERSION } from '../version.ts';

/**
 * `rtc-conformance probe`: learns what STOMP 1.2 leaves to the server (versions, heart-beat offer, framing over
 * WebSocket, subprotocol, size limits, receipts, `server` header) and writes a target file saying how each value was
 * found. A probe never decides a MUST: a server that crashes or closes on a large frame is reported, not declared.
 */
export interface ProbeOptions {
  /** Largest frame or message the probe sends (octets). */
  maxBytes: number;
  /** Time budget of the whole probe. */
  timeMs: number;
  /** How long one answer may take. */
  responseMs: number;
}

export interface ProbeResult {
  file: TargetFile;
  findings: Record<string, ProbedValue>;
  warnings: string[];
}

type Outcome = { kind: 'accepted' } | { kind: 'error'; message: string } | { kind: 'closed'; code: number; reason: string } | { kind: 'silent' };

class Prober {
  readonly findings: Record<string, ProbedValue> = {};
  readonly warnings: string[] = [];
  private readonly deadline: number;
  private counter = 0;

  constructor(
    readonly endpoint: StompEndpoint,
    readonly options: ProbeOptions,
  ) {
    this.deadline = Date.now() + options.timeMs;
  }

  get timeLeft(): number {
    return this.deadline - Date.now();
  }

  found(name: string, value: unknown, how: string): void {
    this.findings[name] = { value, how };
  }

  private destination(): string {
    return `/topic/rtc-probe-${process.pid}-${++this.counter}`;
  }

  /** A connected session (CONNECTED), or undefined with the reason recorded. */
  async session(label: string, extra: Record<string, string> = {}, protocols?: string[]): Promise<{ s: StompSession; connected: ParsedFrame } | undefined> {
    const s = await StompSession.open(this.endpoint, label, protocols ? { protocols } : {});
    const connected = await s.connect(extra, { timeoutMs: this.options.responseMs });
    if (connected?.command !== 'CONNECTED') {
      await s.close().catch(() => undefined);
      return undefined;
    }
    return { s, connected };
  }

  /** Sends `bytes` on a fresh connected session and tells what came of it (the frame asks for receipt `probe`). */
  async attempt(build: (destination: string) => string | Buffer, label: string): Promise<Outcome> {
    const opened = await this.session(label);
    if (!opened) return { kind: 'silent' };
    const { s } = opened;
    try {
      s.sendRaw(build(this.destination()));
      const answer = await s.nextFrame(this.options.responseMs * 2, (f) => (f.command === 'RECEIPT' && header(f, 'receipt-id') === 'probe') || f.command === 'ERROR');
      if (answer?.command === 'RECEIPT') return { kind: 'accepted' };
      if (answer?.command === 'ERROR') return { kind: 'error', message: header(answer, 'message') ?? '' };
      const closed = s.transcript.close ?? (await s.waitClosed(50));
      return closed ? { kind: 'closed', code: closed.code, reason: closed.reason } : { kind: 'silent' };
    } finally {
      await s.close().catch(() => undefined);
    }
  }

  async versions(): Promise<void> {
    const accepted: string[] = [];
    const how: string[] = [];
    for (const v of ['1.0', '1.1', '1.2']) {
      const s = await StompSession.open(this.endpoint, `version ${v}`);
      const answer = await s.connect({ 'accept-version': v }, { timeoutMs: this.options.responseMs });
      await s.close().catch(() => undefined);
      const got = answer?.command === 'CONNECTED' ? header(answer, 'version') ?? '1.0' : undefined;
      if (got === v) accepted.push(v);
      how.push(`accept-version:${v} → ${answer ? `${answer.command}${got ? ` version:${got}` : ` ${header(answer, 'message') ?? ''}`.trimEnd()}` : 'nothing'}`);
    }
    this.found('versions', accepted, `CONNECT with one accept-version each: ${how.join('; ')}`);
  }

  async connectedHeaders(): Promise<void> {
    const opened = await this.session('CONNECTED headers', { 'heart-beat': '1000,1000' });
    if (!opened) throw new ProbeError('CONNECT accept-version:1.2 was not answered by CONNECTED: not a STOMP 1.2 server, or wrong credentials');
    const { s, connected } = opened;
    await s.close().catch(() => undefined);
    this.found('heartBeat', header(connected, 'heart-beat') ?? '0,0', `CONNECTED heart-beat for a CONNECT offering heart-beat:1000,1000${header(connected, 'heart-beat') === undefined ? ' (absent: 0,0)' : ''}`);
    this.found('server', header(connected, 'server') ?? null, 'CONNECTED server header');
    this.found('session', header(connected, 'session') !== undefined, 'whether CONNECTED carries a session header');
  }

  async subprotocols(): Promise<void> {
    const all = await StompSession.open(this.endpoint, 'subprotocols');
    const chosen = all.ws.protocol;
    await all.close().catch(() => undefined);
    const alone: string[] = [];
    for (const p of STOMP_SUBPROTOCOLS) {
      try {
        const s = await StompSession.open(this.endpoint, p, { protocols: [p] });
        if (s.ws.protocol === p) alone.push(p);
        await s.close().catch(() => undefined);
      } catch {
        // refused when offered alone
      }
    }
    this.found('subprotocol', chosen || null, `the subprotocol chosen when offered ${STOMP_SUBPROTOCOLS.join(', ')}; accepted alone: ${alone.join(', ') || 'none'}`);
  }

  /** stream: a frame split over two messages and two frames in one message are both processed. */
  async framing(): Promise<StompFraming> {
    const opened = await this.session('framing');
    if (!opened) throw new ProbeError('CONNECT failed while probing the framing');
    const { s } = opened;
    const d = this.destination();
    s.subscribe(d, 'framing', { receipt: 'sub' });
    await s.nextFrame(this.options.responseMs, (f) => f.command === 'RECEIPT');
    s.sendRaw(`SEND\ndestination:${d}\n\nbatch-1\0SEND\ndestination:${d}\n\nbatch-2\0`);
    const batch: string[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await s.nextFrame(this.options.responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      if (m?.command !== 'MESSAGE') break;
      batch.push(Buffer.from(m.body).toString());
    }
    let split = false;
    if (s.isOpen) {
      s.sendRaw(`SEND\ndestination:${d}\n\nspl`);
      s.sendRaw('it\0');
      const m = await s.nextFrame(this.options.responseMs, (f) => f.command === 'MESSAGE' || f.command === 'ERROR');
      split = m?.command === 'MESSAGE' && Buffer.from(m.body).toString() === 'split';
    }
    await s.close().catch(() => undefined);
    const framing: StompFraming = split && batch.length === 2 ? 'stream' : 'frame-per-message';
    this.found('framing', framing,
      `two SENDs in one WebSocket message gave ${batch.length} MESSAGE(s); a SEND split over two messages was ${split ? 'delivered' : 'not delivered'}`);
    return framing;
  }

  /**
   * The largest `size` for which `attempt(size)` is accepted, by bisection in [lo, hi]; undefined when even `hi` is
   * accepted (no limit up to the probe's bound). Refusals other than ERROR (or 1009 when `transport`) are reported.
   */
  async largest(
    name: string,
    lo: number,
    hi: number,
    build: (size: number) => (destination: string) => string | Buffer,
    transport: boolean,
    unit = 'octets',
  ): Promise<{ value?: number; how: string }> {
    /** Kind of refusal (ERROR, close CODE, no answer) → the refusal at the smallest size, as seen. */
    const refusals = new Map<string, { size: number; seen: string }>();
    const probe = async (size: number): Promise<boolean> => {
      const o = await this.attempt(build(size), `${name} ${size}`);
      if (o.kind === 'accepted') return true;
      const kind = o.kind === 'error' ? 'ERROR' : o.kind === 'closed' ? `close ${o.code}` : 'no answer';
      const seen = o.kind === 'error' ? `ERROR "${o.message}"` : o.kind === 'closed' ? `close ${o.code}${o.reason ? ` "${o.reason}"` : ''}` : 'no answer';
      if (size < (refusals.get(kind)?.size ?? Infinity)) refusals.set(kind, { size, seen });
      return false;
    };
    if (await probe(hi)) return { how: `accepted at the probe's bound of ${hi} ${unit}: no limit declared` };
    if (!(await probe(lo))) return { how: `refused already at ${lo} ${unit}: not declared` };
    let steps = 0;
    while (hi - lo > 1) {
      if (this.timeLeft <= 0) return { how: `between ${lo} and ${hi} when the probe's time ran out: not declared` };
      const mid = Math.floor((lo + hi) / 2);
      if (await probe(mid)) lo = mid;
      else hi = mid;
      steps++;
    }
    const kinds = [...refusals.keys()];
    const clean = kinds.every((k) => k === 'ERROR' || (transport && k === 'close 1009'));
    const how = `bisection (${steps + 2} attempts): ${lo} accepted, ${hi} refused by ${[...refusals.values()].map((r) => r.seen).join(' / ')}`;
    if (!clean) {
      this.warnings.push(`${name}: the server refused ${hi} by ${kinds.join(' / ')}, not by ERROR${transport ? ' or close 1009' : ''}: reported, not declared as a limit (a crash or an abrupt close is no limit)`);
      return { how: `${how}; not declared (see warnings)` };
    }
    return { value: lo, how };
  }

  async limits(): Promise<Record<string, number>> {
    const limits: Record<string, number> = {};
    const max = this.options.maxBytes;
    // The message limit: a small frame padded with EOLs (heart-beats), which no STOMP frame limit counts.
    const head = (d: string) => `SEND\ndestination:${d}\nreceipt:probe\n\nm\0`;
    const message = await this.largest('maxMessageBytes', 256, max, (size) => (d) => head(d) + '\n'.repeat(Math.max(0, size - Buffer.byteLength(head(d)))), true);
    if (message.value !== undefined) limits.maxMessageBytes = message.value;
    this.found('limits.maxMessageBytes', message.value ?? null, `WebSocket message of a SEND padded with EOLs: ${message.how}`);
    const room = (message.value ?? max) - 512;
    const body = await this.largest('maxBodyBytes', 16, room, (size) => (d) => `SEND\ndestination:${d}\nreceipt:probe\ncontent-length:${size}\n\n${'b'.repeat(size)}\0`, false);
    if (body.value !== undefined) limits.maxBodyBytes = body.value;
    this.found('limits.maxBodyBytes', body.value ?? null, `SEND body octets: ${body.how}`);
    const lines = await this.largest('maxHeaders', 4, Math.min(4096, Math.floor(room / 16)), (n) => (d) =>
      `SEND\ndestination:${d}\nreceipt:probe\n${Array.from({ length: n - 2 }, (_, i) => `x-h${i}:${i}\n`).join('')}\n\0`, false, 'header lines');
    if (lines.value !== undefined) limits.maxHeaders = lines.value;
    this.found('limits.maxHeaders', lines.value ?? null, `header lines of a SEND (destination and receipt included): ${lines.how}`);
    const line = await this.largest('maxHeaderLineBytes', 16, Math.min(room, 1024 * 1024), (n) => (d) => `SEND\ndestination:${d}\nreceipt:probe\nx-long:${'v'.repeat(n - 7)}\n\n\0`, false);
    if (line.value !== undefined) limits.maxHeaderLineBytes = line.value;
    this.found('limits.maxHeaderLineBytes', line.value ?? null, `octets of one header line (x-long:…): ${line.how}`);
    return limits;
  }

  /** Whether every client frame type that may carry `receipt` is answered by RECEIPT. */
  async receipts(): Promise<void> {
    const opened = await this.session('receipts');
    if (!opened) throw new ProbeError('CONNECT failed while probing receipts');
    const { s } = opened;
    const d = this.destination();
    const got: Record<string, boolean> = {};
    const ask = async (command: string, headers: Record<string, string>) => {
      if (!s.isOpen) return void (got[command] = false);
      const receipt = `r-${command.toLowerCase()}`;
      s.send({ command, headers: { ...headers, receipt } });
      got[command] = !!(await s.nextFrame(this.options.responseMs, (f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === receipt));
    };
    await ask('SUBSCRIBE', { id: 'acks', destination: d, ack: 'client-individual' });
    await ask('SEND', { destination: d });
    const m = await s.nextFrame(this.options.responseMs, (f) => f.command === 'MESSAGE');
    s.send({ command: 'SEND', headers: { destination: d }, body: 'second' });
    const m2 = await s.nextFrame(this.options.responseMs, (f) => f.command === 'MESSAGE');
    let acks = 'ACK/NACK on client-individual MESSAGEs';
    if (m && header(m, 'ack') && m2 && header(m2, 'ack')) {
      await ask('ACK', { id: header(m, 'ack')! });
      await ask('NACK', { id: header(m2, 'ack')! });
    } else acks = `ACK/NACK not asked: the MESSAGEs of a client-individual subscription carried no ack header (${m ? 'MESSAGE without ack' : 'no MESSAGE'})`;
    await ask('BEGIN', { transaction: 'tx-probe' });
    await ask('COMMIT', { transaction: 'tx-probe' });
    await ask('BEGIN', { transaction: 'tx-probe-2' });
    await ask('ABORT', { transaction: 'tx-probe-2' });
    await ask('UNSUBSCRIBE', { id: 'acks' });
    await ask('DISCONNECT', {});
    await s.close().catch(() => undefined);
    this.found('receipts', got, `each frame type sent once with a receipt header on one session; ${acks}`);
  }
}

export class ProbeError extends Error {
  override name = 'ProbeError';
}

/** Probes one STOMP endpoint; the returned file validates against schemas/target.schema.json. */
export async function probeStomp(endpoint: StompEndpoint, options: ProbeOptions): Promise<ProbeResult> {
  const p = new Prober(endpoint, options);
  await p.connectedHeaders();
  await p.versions();
  await p.subprotocols();
  const framing = await p.framing();
  await p.receipts();
  const limits = await p.limits();
  const stomp: NonNullable<TargetFile['stomp']> = { url: endpoint.url, framing, limits };
  if (endpoint.host !== undefined) stomp.host = endpoint.host;
  if (endpoint.login !== undefined) stomp.login = endpoint.login;
  if (endpoint.insecure) stomp.insecure = true;
  const file: TargetFile = {
    name: `probed: ${redact(endpoint.url)}`,
    probed: { tool: `rtc-conformance ${VERSION}`, at: new Date().toISOString(), url: redact(endpoint.url), findings: p.findings, ...(p.warnings.length ? { warnings: p.warnings } : {}) },
    stomp,
  };
  return { file, findings: p.findings, warnings: p.warnings };
}
