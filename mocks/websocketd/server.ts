import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import amqp from 'amqplib';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenCheck, WebsocketdProfileName } from '../../src/target/target.ts';
import { dynamicCheckDelayS } from '../../src/target/wazo-control.ts';
import type { Quirk } from '../quirks.ts';
import { aclAllows } from './acl.ts';
import { DEFAULT_SESSION_LIMIT, REFERENCE_WAZO_UUID, TokenService, type Token } from './auth.ts';

/**
 * `documented`: the seed's protocol. `wazo-v2`: also `?version=2`, the `token` op, `ping`, the `data` envelope.
 * `wazo-current`: the current wazo-websocketd (26.x): `data` replies in v1 and v2, headers-exchange routing on
 * origin/tenant/user headers, `required_acl` from the headers, token checks by polling per `tokenCheck`, the real
 * ping shape, `X-Auth-Token`, unsupported `version` → 4004; its wazo-auth answers 429 beyond the session limit.
 */
export type WebsocketdProfile = WebsocketdProfileName;

export interface WebsocketdOptions {
  host?: string;
  /** 0: a free port (tests); 9502 is the documented one. */
  port?: number;
  /** Port of the embedded wazo-auth (documented: 9497). */
  authPort?: number;
  profile?: WebsocketdProfile;
  /** Consume events from this AMQP broker (as the real service does) instead of the embedded bus. */
  bus?: { url: string; exchange?: string };
  /** documented and wazo-v2: how often tokens are re-checked while connected (close 4003 on expiry or revocation). */
  expiryCheckMs?: number;
  /** wazo-current: the token-check setting (`auth_check_strategy`, `auth_check_static_interval`); default dynamic. */
  tokenCheck?: TokenCheck;
  /** wazo-auth's live sessions per user (default 100): 429 beyond. */
  sessionLimit?: number;
  /** The Wazo's uuid: wazo-current delivers only events whose origin_uuid header is this. */
  uuid?: string;
  /** Largest client WebSocket message accepted (octets, default 1 MiB, as the `websockets` library's max_size): larger → close 1009. */
  maxMessageBytes?: number;
  /** Longest event name a subscribe may carry (octets, default 256): longer → close 4004. */
  maxEventNameBytes?: number;
  /** Subscriptions per connection (default 1000): one more → close 4004. */
  maxSubscriptions?: number;
  quirks?: ReadonlySet<Quirk>;
}

export interface RunningWebsocketd {
  url: string;
  authUrl: string;
  /** Embedded bus (no AMQP): POST a bus message body here (AMQP headers as JSON in `x-bus-headers`). */
  publishUrl: string;
  profile: WebsocketdProfile;
  /** wazo-current: the token-check setting it applies. */
  tokenCheck: TokenCheck;
  uuid: string;
  /** Live tokens of the embedded wazo-auth. */
  liveTokens(): number;
  /** Every token its wazo-auth issued. */
  issuedTokens(): string[];
  close(): Promise<void>;
}

const CERT_DIR = new URL('../../fixtures/tls/', import.meta.url);
const tls = () => ({ cert: readFileSync(new URL('cert.pem', CERT_DIR)), key: readFileSync(new URL('key.pem', CERT_DIR)) });

export const DEFAULT_EXCHANGE = 'wazo-headers';
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_EVENT_NAME_BYTES = 256;
export const DEFAULT_MAX_SUBSCRIPTIONS = 1000;
/** The reference's own token check in the wazo-current profile: static and short, so that W-5 runs take seconds. */
export const REFERENCE_CURRENT_TOKEN_CHECK: TokenCheck = { strategy: 'static', intervalS: 0.5 };

/** A message from the bus: its body as received and its AMQP headers (absent on the documented embedded bus). */
interface BusMessage {
  raw: string;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** One client connection: authenticated, subscribing, then started. */
class Client {
  private readonly events = new Set<string>();
  private started = false;
  /** Quirk websocketd.reply-before-init: init still owed (sent after the first command's reply, or after 500 ms: a
   * client on a loaded machine may take over 50 ms to speak, and the quirk then showed nothing). */
  private initOwed?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private readonly current: boolean;

  constructor(
    private readonly ws: WebSocket,
    private token: Token,
    private readonly version: 1 | 2,
    private readonly server: WebsocketdServer,
  ) {
    this.current = server.profile === 'wazo-current';
    const init = () => this.reply('init', this.version === 2 || this.current ? { version: this.version } : undefined);
    if (server.quirks.has('websocketd.reply-before-init'))
      this.initOwed = setTimeout(() => {
        this.initOwed = undefined;
        init();
      }, 500);
    else init();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.onMessage(data, isBinary);
      if (this.initOwed) {
        clearTimeout(this.initOwed);
        this.initOwed = undefined;
        init();
      }
    });
    ws.on('close', () => clearTimeout(this.checkTimer));
    if (this.current) this.scheduleCheck();
  }

  private get v2(): boolean {
    return this.version === 2;
  }

  private reply(op: string, data?: unknown): void {
    const q = this.server.quirks;
    const message: Record<string, unknown> = { op, code: 0 };
    if (this.v2 || this.current) message.data = data ?? null;
    else if (!q.has('websocketd.msg-missing')) message.msg = '';
    this.ws.send(JSON.stringify(message));
  }

  private protocolError(reason: string): void {
    this.ws.close(4004, reason.slice(0, 120));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.protocolError('binary frames are not understood');
    let msg: { op?: unknown; data?: unknown };
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return this.protocolError('not valid JSON');
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return this.protocolError('a message must be a JSON object');
    const d = msg.data as Record<string, unknown> | undefined;
    switch (msg.op) {
      case 'subscribe': {
        if (!d || typeof d !== 'object' || typeof d.event_name !== 'string') return this.protocolError('subscribe needs data.event_name');
        const limits = this.server.limits;
        if (Buffer.byteLength(d.event_name) > limits.maxEventNameBytes) return this.protocolError(`event_name longer than ${limits.maxEventNameBytes} octets`);
        if (!this.events.has(d.event_name) && this.events.size >= limits.maxSubscriptions) return this.protocolError(`more than ${limits.maxSubscriptions} subscriptions`);
        this.events.add(d.event_name);
        if (!this.started || this.v2 || this.server.quirks.has('websocketd.subscribe-after-start-answered')) this.reply('subscribe');
        return;
      }
      case 'start':
        this.started = true;
        this.reply('start');
        return;
      case 'token':
        if (!(this.server.profile === 'wazo-v2' && this.v2) && !this.current) break;
        {
          if (!d || typeof d !== 'object' || typeof d.token !== 'string') return this.protocolError('token needs data.token');
          const renewed = this.server.auth.valid(d.token);
          if (!renewed || !aclAllows(renewed, 'websocketd')) return void this.ws.close(4002, 'authentication failed');
          this.token = renewed;
          if (!this.started || this.v2) this.reply('token');
        }
        return;
      case 'ping':
        if (!(this.server.profile === 'wazo-v2' && this.v2) && !this.current) break;
        // The current server: data.payload must be a string (protocol.py _decode_ping); v1 pings get no answer.
        if ((!d || typeof d !== 'object' || typeof d.payload !== 'string') && !this.server.quirks.has('websocketd.current-ping-unchecked')) {
          return this.protocolError('ping needs a string data.payload');
        }
        if (this.v2) this.reply('pong', { payload: d?.payload ?? null });
        else if (this.server.quirks.has('websocketd.current-ping-unchecked')) this.reply('pong', { payload: d?.payload ?? null });
        return;
      case undefined:
        return this.protocolError('op is missing');
      default:
        if (this.server.quirks.has('websocketd.unknown-op-ignored')) return;
    }
    this.protocolError(`unknown operation ${JSON.stringify(msg.op)}`);
  }

  /** A bus message: forwarded unchanged after start, to subscribers whose ACL matches its required_acl. */
  deliver(m: BusMessage): void {
    if (!this.started && !this.server.quirks.has('websocketd.forward-before-start')) return;
    const q = this.server.quirks;
    let name: unknown;
    let requiredAcl: unknown;
    if (this.current) {
      // The current server's queue bindings (bus.py): the tenant exchange binds origin_uuid and tenant_uuid, the
      // user's queue binds name (unless *) and user_uuid:<uuid> or user_uuid:*; required_acl is read from the headers.
      const h = m.headers;
      if (h.origin_uuid !== this.server.uuid || h.tenant_uuid !== this.token.tenantUuid) return;
      if (h[`user_uuid:${this.token.userUuid}`] !== true && h['user_uuid:*'] !== true) return;
      name = h.name;
      if (!this.events.has('*') || q.has('websocketd.star-ignored')) {
        if (typeof name !== 'string' || !this.subscribed(name)) return;
      }
      if (!('required_acl' in h)) requiredAcl = undefined;
      else requiredAcl = h.required_acl;
    } else {
      name = m.body.name;
      if (typeof name !== 'string' || !this.subscribed(name)) return;
      requiredAcl = 'required_acl' in m.body ? m.body.required_acl : undefined;
    }
    if (!q.has('websocketd.ignore-required-acl')) {
      if (requiredAcl === undefined) return;
      if (requiredAcl !== null && (typeof requiredAcl !== 'string' || !aclAllows(this.token, requiredAcl))) return;
    }
    this.ws.send(this.v2 ? `{"op":"event","code":0,"data":${m.raw}}` : m.raw);
  }

  private subscribed(name: string): boolean {
    const q = this.server.quirks;
    if (q.has('websocketd.prefix-match')) return [...this.events].some((e) => e === '*' || name.startsWith(e));
    return this.events.has(name) || (this.events.has('*') && !q.has('websocketd.star-ignored'));
  }

  /** documented and wazo-v2: called by the server's ticker. */
  checkToken(): void {
    if (this.server.quirks.has('websocketd.no-expiry-check')) return;
    if (!this.server.auth.valid(this.token.token)) this.ws.close(4003, 'authentication expired');
  }

  /** wazo-current: the next poll of wazo-auth, per the token-check setting (auth.py). */
  private scheduleCheck(): void {
    const setting = this.server.tokenCheck;
    const remainingS = (this.token.expiresAt - Date.now()) / 1000;
    let delayS = setting.strategy === 'static' ? (setting.intervalS ?? 60) : dynamicCheckDelayS(remainingS);
    if (this.server.quirks.has('websocketd.current-slow-check')) delayS *= 6;
    this.checkTimer = setTimeout(() => {
      if (this.server.quirks.has('websocketd.no-expiry-check')) return;
      const q = this.server.quirks;
      const id = this.token.token;
      const failed = q.has('websocketd.current-revocation-unseen') ? this.server.auth.expired(id) : !this.server.auth.valid(id);
      if (failed) return void this.ws.close(4003, 'authentication expired');
      this.scheduleCheck();
    }, delayS * 1000);
    this.checkTimer.unref();
  }
}

export class WebsocketdServer {
  readonly auth: TokenService;
  readonly clients = new Set<Client>();
  readonly quirks: ReadonlySet<Quirk>;
  readonly profile: WebsocketdProfile;
  readonly tokenCheck: TokenCheck;
  readonly uuid: string;
  readonly limits: { maxEventNameBytes: number; maxSubscriptions: number };

  constructor(options: WebsocketdOptions) {
    this.quirks = options.quirks ?? new Set();
    this.profile = options.profile ?? 'documented';
    this.tokenCheck = options.tokenCheck ?? { strategy: 'dynamic' };
    this.uuid = options.uuid ?? REFERENCE_WAZO_UUID;
    this.auth = new TokenService(options.sessionLimit ?? DEFAULT_SESSION_LIMIT, this.uuid);
    this.limits = { maxEventNameBytes: options.maxEventNameBytes ?? DEFAULT_MAX_EVENT_NAME_BYTES, maxSubscriptions: options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS };
  }

  accept(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'wss://websocketd');
    const current = this.profile === 'wazo-current';
    const header = req.headers['x-auth-token'];
    const id = url.searchParams.get('token') || (current && typeof header === 'string' ? header : '');
    const versionParam = url.searchParams.get('version');
    // The current server reads the version first: anything but 1 or 2 is a protocol error.
    if (current && versionParam !== null && versionParam !== '1' && versionParam !== '2') return void ws.close(4004, 'unsupported version');
    if (!id) return void ws.close(this.quirks.has('websocketd.4002-instead-of-4001') ? 4002 : 4001, 'no token');
    if (this.quirks.has('websocketd.expired-token-4003') && this.auth.expired(id)) return void ws.close(4003, 'token expired');
    const token = this.auth.valid(id);
    if (!token) return void ws.close(4002, 'authentication failed');
    if (!aclAllows(token, 'websocketd') && !this.quirks.has('websocketd.websocketd-acl-not-required')) return void ws.close(4002, 'authentication failed');
    const version = this.profile !== 'documented' && versionParam === '2' ? 2 : 1;
    const client = new Client(ws, token, version, this);
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
  }

  /** A message from the bus (its body as received, and its AMQP headers). */
  publish(raw: string, headers: Record<string, unknown> = {}): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return;
    for (const c of this.clients) c.deliver({ raw, body, headers });
  }

  checkTokens(): void {
    for (const c of this.clients) c.checkToken();
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** AMQP header values as plain JSON (amqplib gives strings, booleans, numbers; a null header arrives as undefined). */
function plainHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : v === undefined ? null : v;
  return out;
}

/** The Wazo WebSocket event service reference: wss with the test certificate, an embedded wazo-auth and bus. */
export async function startWebsocketd(options: WebsocketdOptions = {}): Promise<RunningWebsocketd> {
  const host = options.host ?? '127.0.0.1';
  const service = new WebsocketdServer(options);
  const control = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/_control/publish' && !options.bus) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > DEFAULT_MAX_MESSAGE_BYTES) return void req.destroy();
        chunks.push(c);
      });
      req.on('end', () => {
        let headers: Record<string, unknown> = {};
        try {
          const h = req.headers['x-bus-headers'];
          if (typeof h === 'string') headers = JSON.parse(h);
        } catch {
          return void res.writeHead(400).end();
        }
        service.publish(Buffer.concat(chunks).toString('utf8'), headers);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404).end();
  };
  // Quirk websocketd.plain-ws: served unencrypted (the target URL then honestly says ws://).
  const plain = service.quirks.has('websocketd.plain-ws');
  const wsHttp = plain ? createHttpServer(control) : createServer(tls(), control);
  // maxPayload: a larger message closes the connection with 1009 (message too big) before it is buffered whole.
  const wss = new WebSocketServer({
    server: wsHttp,
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    // The current server names no subprotocol, whatever the client offers (a client that requires one fails).
    ...(service.profile === 'wazo-current' ? { handleProtocols: () => false as const } : {}),
  });
  wss.on('connection', (ws, req) => {
    // A message over the limit or a broken frame surfaces as an error of that socket after ws has begun the close
    // (1009, 1002…): handled, it ends that connection only, never the server.
    ws.on('error', () => undefined);
    service.accept(ws, req);
  });
  const authHttp = createServer(tls(), service.auth.onHttp);
  const port = await listen(wsHttp, options.port ?? 0, host);
  const authPort = await listen(authHttp, options.authPort ?? 0, host);
  const ticker = setInterval(() => service.profile !== 'wazo-current' && service.checkTokens(), options.expiryCheckMs ?? 100);
  ticker.unref();

  let closeBus = async () => {};
  if (options.bus) {
    const connection = await amqp.connect(options.bus.url);
    const channel = await connection.createChannel();
    const exchange = options.bus.exchange ?? DEFAULT_EXCHANGE;
    await channel.assertExchange(exchange, 'headers', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    // A headers binding with no header to match but x-match: all receives every message of the exchange; the
    // routing of the profile is then applied per client.
    await channel.bindQueue(queue, exchange, '', { 'x-match': 'all' });
    await channel.consume(queue, (m) => m && service.publish(m.content.toString('utf8'), plainHeaders(m.properties.headers)), { noAck: true });
    closeBus = async () => {
      await connection.close().catch(() => {});
    };
  }

  return {
    url: `${plain ? 'ws' : 'wss'}://${host}:${port}/`,
    authUrl: `https://${host}:${authPort}`,
    publishUrl: `${plain ? 'http' : 'https'}://${host}:${port}/_control/publish`,
    profile: service.profile,
    tokenCheck: service.tokenCheck,
    uuid: service.uuid,
    liveTokens: () => service.auth.live().live,
    issuedTokens: () => service.auth.issuedIds(),
    close: async () => {
      clearInterval(ticker);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeBus();
      await Promise.all([wsHttp, authHttp].map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
    },
  };
}
