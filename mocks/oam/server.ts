import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { DEFAULT_LIMITS, type ParserLimits } from '../../src/stomp/index.ts';
import type { Quirk } from '../quirks.ts';
import { OamApp } from './app.ts';
import { Broker, type Subscription } from './broker.ts';
import { DEFAULT_OAM_SETTINGS, type OamSettings } from './settings.ts';
import { DEFAULT_INCOMPLETE_FRAME_BUDGET, StompConnection, type StompEndpointSettings } from './stomp-connection.ts';
import { tcpLink } from './stomp-link.ts';
import { OamStore } from './store.ts';

export interface OamServerOptions {
  /** 0 picks a free port (the default for test runs); the documented port is 8090. */
  port?: number;
  host?: string;
  /** Serve https/wss with the test certificate in fixtures/tls (or the given PEM files). */
  tls?: boolean | { cert: string; key: string };
  heartBeat?: [number, number];
  limits?: Partial<ParserLimits>;
  /** wcsoam.properties settings (`server.port` is taken from `port`). */
  settings?: Partial<OamSettings>;
  /** Interval of simulated /stream samples, ms. */
  streamIntervalMs?: number;
  /** Fault switches (mocks/quirks.ts). */
  quirks?: ReadonlySet<Quirk>;
  /** The STOMP layer's bounds (slow consumers, incomplete frames): see StompEndpointSettings. */
  bounds?: Pick<StompEndpointSettings, 'maxQueuedBytes' | 'incompleteFrameMs' | 'incompleteFrameBudget'>;
  /**
   * Also serve STOMP over raw TCP (TLS when `tls` is set) on this port, same broker and sessions as /ws: 0 picks a
   * free port; undefined: no TCP listener (the documented STOMP port is 61613).
   */
  stompTcpPort?: number;
}

export interface RunningOamServer {
  /** STOMP over WebSocket endpoint, e.g. ws://127.0.0.1:PORT/ws */
  stompUrl: string;
  /** STOMP over TCP (stomp://, or stomp+ssl:// with TLS), when `stompTcpPort` was given. */
  stompTcpUrl?: string;
  /** Base of the REST API on the same port. */
  restUrl: string;
  port: number;
  limits: ParserLimits;
  /** The largest WebSocket message the server takes (ws maxPayload; close 1009 past it). */
  maxMessageBytes: number;
  settings: OamSettings;
  /** Feeds a metric sample, as a WCS node would report it (alarms are evaluated on it). */
  sample(s: { node: number; metric: number; value: number; timestamp?: number }): void;
  close(): Promise<void>;
}

/** The limits the reference server declares (and enforces): small enough that S-11 cases are cheap to probe. */
export const REFERENCE_LIMITS: ParserLimits = { maxHeaders: 64, maxHeaderLineBytes: 8 * 1024, maxBodyBytes: 1024 * 1024 };

const SUBPROTOCOL_PREFERENCE = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

export const TEST_CERT_DIR = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));

/** The WCS OAM reference server: STOMP 1.2 over WebSocket at /ws and the REST mirror on the same port. */
export async function startOamServer(options: OamServerOptions = {}): Promise<RunningOamServer> {
  const limits: ParserLimits = { ...DEFAULT_LIMITS, ...REFERENCE_LIMITS, ...options.limits };
  const oamSettings: OamSettings = { ...DEFAULT_OAM_SETTINGS, ...options.settings };
  const settings: StompEndpointSettings = {
    heartBeat: options.heartBeat ?? [50, 50],
    limits,
    serverName: 'rtc-conformance-reference/0.1',
    connectTimeoutMs: options.quirks?.has('oam.no-connect-timeout') ? 0 : oamSettings.stompMaxTimeoutMs,
    quirks: options.quirks,
    incompleteFrameBudget: { max: DEFAULT_INCOMPLETE_FRAME_BUDGET, used: 0 },
    ...options.bounds,
  };
  const broker = options.quirks?.has('oam.refuse-alarm-subscription') ? new AlarmRefusingBroker() : new Broker();
  const app = new OamApp(new OamStore(options.quirks), broker, oamSettings, options.quirks);
  const wsPath = options.quirks?.has('oam.stomp-not-at-ws') ? '/stomp' : '/ws';
  const handler = app.onHttp;
  let server: Server;
  const tls = options.tls === true ? { cert: `${TEST_CERT_DIR}cert.pem`, key: `${TEST_CERT_DIR}key.pem` } : options.tls || undefined;
  if (tls) server = createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler);
  else server = createHttpServer(handler);
  // Against slowloris: headers within 10 s, a whole request within 30 s, idle keep-alive connections closed after 5 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  const maxMessageBytes = limits.maxBodyBytes * 2 + 64 * 1024;
  const wss = new WebSocketServer({
    server,
    path: wsPath,
    maxPayload: maxMessageBytes,
    handleProtocols: (offered) => SUBPROTOCOL_PREFERENCE.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', (ws) => new StompConnection(ws, broker, settings, app.onSend));
  const ticker = setInterval(() => app.tickStreams(), options.streamIntervalMs ?? 100);
  ticker.unref();

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 's' : '';
  let tcp: { server: TcpServer; sockets: Set<Socket>; url: string } | undefined;
  if (options.stompTcpPort !== undefined) {
    const sockets = new Set<Socket>();
    const onSocket = (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      new StompConnection(tcpLink(socket), broker, settings, app.onSend);
    };
    const tcpServer = tls ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, onSocket) : createTcpServer(onSocket);
    await new Promise<void>((resolve, reject) => {
      tcpServer.once('error', (err) => {
        server.close();
        reject(err);
      });
      tcpServer.listen(options.stompTcpPort, host, () => resolve());
    });
    tcp = { server: tcpServer, sockets, url: `stomp${tls ? '+ssl' : ''}://${host}:${(tcpServer.address() as AddressInfo).port}` };
  }
  return {
    stompUrl: `ws${scheme}://${host}:${port}${wsPath}`,
    ...(tcp ? { stompTcpUrl: tcp.url } : {}),
    restUrl: `http${scheme}://${host}:${port}`,
    port,
    limits,
    maxMessageBytes,
    settings: { ...oamSettings, port },
    sample: (x) => app.sample(x),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        for (const client of wss.clients) client.terminate();
        wss.close();
        for (const socket of tcp?.sockets ?? []) socket.destroy();
        tcp?.server.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** The quirk oam.refuse-alarm-subscription: SUBSCRIBE /alarm is answered by ERROR-then-close. */
class AlarmRefusingBroker extends Broker {
  override add(sub: Subscription): void {
    if (sub.destination === '/alarm') sub.connection.protocolError('SUBSCRIBE /alarm is not allowed', undefined);
    else super.add(sub);
  }
}
