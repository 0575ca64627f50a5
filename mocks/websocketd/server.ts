import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import amqp from 'amqplib';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Quirk } from '../quirks.ts';
import { aclAllows } from './acl.ts';
import { TokenService, type Token } from './auth.ts';

/** `documented`: the seed's protocol. `wazo-v2`: also `?version=2`, the `token` op, `ping`, the `data` envelope. */
import type { WebsocketdProfileName } from '../../src/target/target.ts';
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
  /** How often tokens are re-checked while connected (close 4003 on expiry or revocation). */
  expiryCheckMs?: number;
  quirks?: ReadonlySet<Quirk>;
}

export interface RunningWebsocketd {
  url: string;
  authUrl: string;
  /** Embedded bus (no AMQP): POST a bus message body here. */
  publishUrl: string;
  profile: WebsocketdProfile;
  close(): Promise<void>;
}

const CERT_DIR = new URL('../../fixtures/tls/', import.meta.url);
const tls = () => ({ cert: readFileSync(new URL('cert.pem', CERT_DIR)), key: readFileSync(new URL('key.pem', CERT_DIR)) });

export const DEFAULT_EXCHANGE = 'wazo-headers';

/** One client connection: authenticated, subscribing, then started. */
class Client {
  private readonly events = new Set<string>();
  private started = false;
  /** Quirk websocketd.reply-before-init: init still owed (sent after the first command's reply, or after 50 ms). */
  private initOwed?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private token: Token,
    private readonly v2: boolean,
    private readonly server: WebsocketdServer,
  ) {
    const init = () => this.reply('init', v2 ? { version: 2 } : undefined);
    if (server.quirks.has('websocketd.reply-before-init'))
      this.initOwed = setTimeout(() => {
        this.initOwed = undefined;
        init();
      }, 50);
    else init();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.onMessage(data, isBinary);
      if (this.initOwed) {
        clearTimeout(this.initOwed);
        this.initOwed = undefined;
        init();
      }
    });
  }

  get tokenId(): string {
    return this.token.token;
  }

  private reply(op: string, data?: unknown): void {
    const q = this.server.quirks;
    const message: Record<string, unknown> = { op, code: 0 };
    if (this.v2) message.data = data ?? null;
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
      case 'subscribe':
        if (!d || typeof d !== 'object' || typeof d.event_name !== 'string') return this.protocolError('subscribe needs data.event_name');
        this.events.add(d.event_name);
        if (!this.started || this.v2 || this.server.quirks.has('websocketd.subscribe-after-start-answered')) this.reply('subscribe');
        return;
      case 'start':
        this.started = true;
        this.reply('start');
        return;
      case 'token':
        if (!this.v2) break;
        {
          const renewed = typeof d?.token === 'string' ? this.server.auth.valid(d.token) : undefined;
          if (!renewed || !aclAllows(renewed, 'websocketd')) return void this.ws.close(4002, 'invalid token');
          this.token = renewed;
          this.reply('token');
        }
        return;
      case 'ping':
        if (!this.v2) break;
        this.reply('pong', d ?? null);
        return;
      case undefined:
        return this.protocolError('op is missing');
      default:
        if (this.server.quirks.has('websocketd.unknown-op-ignored')) return;
    }
    this.protocolError(`unknown operation ${JSON.stringify(msg.op)}`);
  }

  /** A bus message: forwarded unchanged after start, to subscribers whose ACL matches its required_acl. */
  deliver(name: string, requiredAcl: string | null | undefined, raw: string): void {
    if (!this.started && !this.server.quirks.has('websocketd.forward-before-start')) return;
    if (!this.subscribed(name)) return;
    if (!this.server.quirks.has('websocketd.ignore-required-acl')) {
      if (requiredAcl === undefined) return;
      if (requiredAcl !== null && !aclAllows(this.token, requiredAcl)) return;
    }
    this.ws.send(this.v2 ? `{"op":"event","code":0,"data":${raw}}` : raw);
  }

  private subscribed(name: string): boolean {
    const q = this.server.quirks;
    if (q.has('websocketd.prefix-match')) return [...this.events].some((e) => e === '*' || name.startsWith(e));
    return this.events.has(name) || (this.events.has('*') && !q.has('websocketd.star-ignored'));
  }

  checkToken(): void {
    if (this.server.quirks.has('websocketd.no-expiry-check')) return;
    if (!this.server.auth.valid(this.token.token)) this.ws.close(4003, 'token expired');
  }
}

export class WebsocketdServer {
  readonly auth = new TokenService();
  readonly clients = new Set<Client>();
  readonly quirks: ReadonlySet<Quirk>;
  readonly profile: WebsocketdProfile;

  constructor(options: WebsocketdOptions) {
    this.quirks = options.quirks ?? new Set();
    this.profile = options.profile ?? 'documented';
  }

  accept(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'wss://websocketd');
    const id = url.searchParams.get('token');
    if (!id) return void ws.close(this.quirks.has('websocketd.4002-instead-of-4001') ? 4002 : 4001, 'no token');
    if (this.quirks.has('websocketd.expired-token-4003') && this.auth.expired(id)) return void ws.close(4003, 'token expired');
    const token = this.auth.valid(id);
    if (!token) return void ws.close(4002, 'authentication failed');
    if (!aclAllows(token, 'websocketd') && !this.quirks.has('websocketd.websocketd-acl-not-required')) return void ws.close(4002, 'authentication failed');
    const v2 = this.profile === 'wazo-v2' && url.searchParams.get('version') === '2';
    const client = new Client(ws, token, v2, this);
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
  }

  /** A message from the bus (its body, as received). */
  publish(raw: string): void {
    let body: { name?: unknown; required_acl?: unknown };
    try {
      body = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof body?.name !== 'string') return;
    const acl = 'required_acl' in body ? (body.required_acl as string | null) : undefined;
    for (const c of this.clients) c.deliver(body.name, acl, raw);
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

/** The Wazo WebSocket event service reference: wss with the test certificate, an embedded wazo-auth and bus. */
export async function startWebsocketd(options: WebsocketdOptions = {}): Promise<RunningWebsocketd> {
  const host = options.host ?? '127.0.0.1';
  const service = new WebsocketdServer(options);
  const control = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/_control/publish' && !options.bus) {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        service.publish(body);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404).end();
  };
  // Quirk websocketd.plain-ws: served unencrypted (the target URL then honestly says ws://).
  const plain = service.quirks.has('websocketd.plain-ws');
  const wsHttp = plain ? createHttpServer(control) : createServer(tls(), control);
  const wss = new WebSocketServer({ server: wsHttp });
  wss.on('connection', (ws, req) => service.accept(ws, req));
  const authHttp = createServer(tls(), service.auth.onHttp);
  const port = await listen(wsHttp, options.port ?? 0, host);
  const authPort = await listen(authHttp, options.authPort ?? 0, host);
  const ticker = setInterval(() => service.checkTokens(), options.expiryCheckMs ?? 100);
  ticker.unref();

  let closeBus = async () => {};
  if (options.bus) {
    const connection = await amqp.connect(options.bus.url);
    const channel = await connection.createChannel();
    const exchange = options.bus.exchange ?? DEFAULT_EXCHANGE;
    await channel.assertExchange(exchange, 'headers', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    // A headers binding with no header to match but x-match: all receives every message of the exchange.
    await channel.bindQueue(queue, exchange, '', { 'x-match': 'all' });
    await channel.consume(queue, (m) => m && service.publish(m.content.toString('utf8')), { noAck: true });
    closeBus = async () => {
      await connection.close().catch(() => {});
    };
  }

  return {
    url: `${plain ? 'ws' : 'wss'}://${host}:${port}/`,
    authUrl: `https://${host}:${authPort}`,
    publishUrl: `${plain ? 'http' : 'https'}://${host}:${port}/_control/publish`,
    profile: service.profile,
    close: async () => {
      clearInterval(ticker);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeBus();
      await Promise.all([wsHttp, authHttp].map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
    },
  };
}
