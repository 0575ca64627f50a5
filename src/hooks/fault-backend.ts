import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { longestStall, watchStalls } from '../lag.ts';
import { registerSecret } from '../report/redact.ts';
import { parseFaults, type Fault } from './faults.ts';

export type { Fault } from './faults.ts';

/**
 * The harness playing a faulty hook backend (client role): it records every delivery (arrival and end time, method,
 * headers, body) and answers each with the fault a case programmed for its marker. Two servers: the application
 * server that the WCS under test calls (on the declared `listen` address), and the control surface where cases
 * program faults and read deliveries, on loopback only, under a path drawn per run and behind a per-run token (a
 * target can reach the first, never the second). Nothing a peer sends can throw out of a request handler.
 */
export interface Delivery {
  method: string;
  /** When the request head arrived (epoch ms). */
  arrivedAt: number;
  /** When the client closed the connection or got its answer (epoch ms). */
  endedAt?: number;
  /** When the backend sent its last octet of this answer (epoch ms; trickle, half answers). */
  lastOctetAt?: number;
  /** When the backend closed the idle keep-alive connection after this answer (idle-close). */
  idleClosedAt?: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as read (cut at the backend's body limit; only its first chunk for the faults that stop reading). */
  body: string;
  /** Body octets read. */
  bodyBytes: number;
  /** The whole body was read. */
  complete: boolean;
  /** Sent on a keep-alive connection that the backend had already closed (idle-close, fin): an attempt, not a delivery. */
  stale?: boolean;
  /**
   * The longest stall of the backend's own event loop from 2 s before this request arrived until it ended (ms,
   * src/lag.ts): the times above can be late by that much. A timing case passes it to CaseContext.checkTiming.
   */
  stallMs?: number;
}

export interface RunningFaultBackend {
  /** The application URL to give WCS: hooks are POST <url>/<method>. */
  appUrl: string;
  /** Where cases program faults and read deliveries (loopback, a path drawn per run). */
  controlUrl: string;
  /** Bearer token of the control surface (registered as a secret). */
  controlToken: string;
  close(): Promise<void>;
}

/** Hook bodies beyond this are answered 413 (a WCS cannot fill the harness's memory). */
export const MAX_HOOK_BODY = 8 * 1024 * 1024;
/** Control bodies beyond this are answered 413. */
export const MAX_CONTROL_BODY = 64 * 1024;
const MARKER_SCAN = 64 * 1024;
const MAX_MARKERS = 10_000;
const MAX_DELIVERIES_PER_MARKER = 200;
const MARKER = /"rtcCase"\s*:\s*"(rtc-[\w-]{1,80})"/;

/** Cases mark their hooks: `custom.rtcCase` in connection parameters, `payload.rtcCase` in sendData. */
export function markerOf(body: string): string | undefined {
  try {
    const b = JSON.parse(body);
    const m = b?.custom?.rtcCase ?? b?.payload?.rtcCase;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return MARKER.exec(body.slice(0, MARKER_SCAN))?.[1];
  }
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra }).end(text);
}

/** An event handler that a peer's input can never make throw out of the process: the connection is cut instead. */
function guarded<A extends unknown[]>(req: IncomingMessage, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch {
      req.socket.destroy();
    }
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

/** Splits text into n pieces of about equal octet length. */
function pieces(bytes: Buffer, n: number): Buffer[] {
  const size = Math.max(1, Math.ceil(bytes.length / n));
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

export async function startFaultBackend(options: { host?: string; port?: number; path?: string } = {}): Promise<RunningFaultBackend> {
  const path = options.path ?? '/apps/rtc';
  watchStalls();
  const faults = new Map<string, Record<string, Fault>>();
  const deliveries = new Map<string, Delivery[]>();
  /** Connections the backend closed (FIN) while idle: what arrives on them is a stale attempt. */
  const stale = new WeakSet<Socket>();
  /** Requests seen per connection, so that an idle-close timer knows whether the connection stayed idle. */
  const requestsOn = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      try {
        fn();
      } catch {
        // the connection went away meanwhile
      }
    }, ms);
    timers.add(t);
    return t;
  };

  const record = (marker: string, d: Delivery) => {
    const list = deliveries.get(marker);
    if (list && list.length < MAX_DELIVERIES_PER_MARKER) list.push(d);
  };

  const echoText = (text: string, fault: Fault): string => {
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed;
    } catch {
      // answer an empty object
    }
    const config = fault.kind === 'answer' || fault.kind === 'idle-close' ? fault.restClientConfig : undefined;
    return JSON.stringify(config ? { ...body, restClientConfig: config } : body);
  };

  const rawAnswer = (text: string): { head: Buffer; body: Buffer } => {
    const body = Buffer.from(text, 'utf8');
    return { head: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body };
  };

  /** Answers a fully read hook with its fault. */
  const answer = (req: IncomingMessage, res: ServerResponse, fault: Fault, d: Delivery | undefined) => {
    const socket = req.socket;
    const sent = () => d && (d.lastOctetAt = Date.now());
    switch (fault.kind) {
      case 'answer':
        json(res, 200, JSON.parse(echoText(d?.body ?? '', fault)));
        return void sent();
      case 'delay':
        return void later(() => !res.destroyed && (json(res, 200, JSON.parse(echoText(d?.body ?? '', fault))), sent()), fault.ms);
      case 'drop':
        return void socket.destroy();
      case 'reset':
        return void socket.resetAndDestroy();
      case 'status':
        json(res, fault.status, fault.body ?? { status: fault.status, reason: 'Refused by the harness' });
        return void sent();
      case 'half': {
        const { head, body } = rawAnswer(echoText(d?.body ?? '', fault));
        socket.write(Buffer.concat([head, body.subarray(0, Math.floor(body.length / 2))]));
        sent();
        return void socket.end();
      }
      case 'trickle': {
        const { head, body } = rawAnswer(echoText(d?.body ?? '', fault));
        const all = [...pieces(head, fault.headChunks ?? 1), ...pieces(body, fault.bodyChunks)];
        const count = Math.min(all.length, fault.silentAfter ?? all.length);
        all.slice(0, count).forEach((piece, i) =>
          later(() => {
            if (socket.destroyed) return;
            socket.write(piece);
            sent();
            if (i === all.length - 1) socket.end();
          }, i * fault.intervalMs),
        );
        return;
      }
      case 'idle-close': {
        json(res, 200, JSON.parse(echoText(d?.body ?? '', fault)));
        sent();
        const seen = requestsOn.get(socket) ?? 0;
        res.once('finish', () =>
          later(() => {
            if (socket.destroyed || (requestsOn.get(socket) ?? 0) !== seen) return;
            if (d) d.idleClosedAt = Date.now();
            if (fault.how === 'rst') return socket.resetAndDestroy();
            stale.add(socket);
            socket.end();
          }, fault.afterMs),
        );
        return;
      }
      case 'close-after-headers':
        return void socket.destroy();
      case 'reset-before-reading':
        return void socket.resetAndDestroy();
    }
  };

  const onHook = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    requestsOn.set(socket, (requestsOn.get(socket) ?? 0) + 1);
    const url = new URL(req.url ?? '/', 'http://backend');
    const isHook = req.method === 'POST' && url.pathname.startsWith(`${path}/`) && url.pathname.length > path.length + 1;
    const method = isHook ? url.pathname.slice(path.length + 1) : '';
    const arrivedAt = Date.now();
    const chunks: Buffer[] = [];
    let bytes = 0;
    let kept = 0;
    let marker: string | undefined;
    let delivery: Delivery | undefined;
    let fault: Fault = { kind: 'answer' };
    let acted = false;
    const text = () => Buffer.concat(chunks).toString('utf8');

    const identify = (final: boolean) => {
      if (marker !== undefined) return;
      const found = final ? markerOf(text()) : MARKER.exec(text().slice(0, MARKER_SCAN))?.[1];
      if (!found && !final && kept < MARKER_SCAN) return;
      marker = found ?? '(unmarked)';
      if (!faults.has(marker)) return; // only the cases' own hooks are kept
      delivery = { method, arrivedAt, headers: req.headers, body: '', bodyBytes: 0, complete: false, ...(stale.has(socket) ? { stale: true } : {}) };
      record(marker, delivery);
      res.once('close', () => delivery && (delivery.endedAt ??= Date.now()));
      fault = faults.get(marker)?.[method] ?? { kind: 'answer' };
    };
    const update = (complete: boolean) => {
      if (!delivery) return;
      delivery.body = text();
      delivery.bodyBytes = bytes;
      delivery.complete = complete;
    };

    req.on('data', guarded(req, (c: Buffer) => {
      if (acted) return;
      bytes += c.length;
      if (kept < MAX_HOOK_BODY) {
        chunks.push(c.subarray(0, MAX_HOOK_BODY - kept));
        kept += Math.min(c.length, MAX_HOOK_BODY - kept);
      }
      if (!isHook) return;
      if (bytes > MAX_HOOK_BODY) {
        acted = true;
        identify(true);
        update(false);
        return json(res, 413, { status: 413, reason: `Payload Too Large: the harness backend reads at most ${MAX_HOOK_BODY} octets` }, { connection: 'close' });
      }
      identify(false);
      if (stale.has(socket) && marker !== undefined) {
        acted = true;
        update(false);
        return void socket.destroy();
      }
      if (fault.kind === 'close-after-headers' || fault.kind === 'reset-before-reading') {
        acted = true;
        update(false);
        answer(req, res, fault, delivery);
      }
    }));
    req.on('end', guarded(req, () => {
      if (acted) return;
      acted = true;
      if (!isHook) return json(res, 404, { status: 404, reason: 'Not Found' });
      identify(true);
      update(true);
      if (stale.has(socket)) return void socket.destroy();
      answer(req, res, fault, delivery);
    }));
    req.on('error', () => socket.destroy());
  };

  const app: Server = createServer((req, res) => {
    try {
      onHook(req, res);
    } catch {
      json(res, 500, { status: 500, reason: 'Internal Server Error' }, { connection: 'close' });
    }
  });

  // The control surface: loopback, a path drawn per run, a bearer token registered as a secret.
  const controlToken = randomBytes(24).toString('hex');
  registerSecret(controlToken, 'fault backend token');
  const controlPath = `/_rtc-${randomBytes(9).toString('base64url')}`;
  const expectedAuth = Buffer.from(`Bearer ${controlToken}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  const onControl = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const close = { connection: 'close' };
    if (!url.pathname.startsWith(`${controlPath}/`)) return json(res, 404, { error: 'not found' }, close);
    if (!authorized(req)) return json(res, 401, { error: 'unauthorized' }, { ...close, 'www-authenticate': 'Bearer' });
    const marker = url.searchParams.get('marker') ?? '';
    if (!/^[\w-]{1,100}$/.test(marker)) return json(res, 400, { error: 'marker: 1 … 100 word characters' }, close);
    const what = url.pathname.slice(controlPath.length);
    if (what === '/deliveries' && req.method === 'GET') return json(res, 200, (deliveries.get(marker) ?? []).map((d) => ({ ...d, stallMs: longestStall(d.arrivedAt - 2000, d.endedAt ?? Date.now()) })));
    if (what === '/stall' && req.method === 'GET') {
      const [from, to] = ['from', 'to'].map((k) => Number(url.searchParams.get(k)));
      if (!Number.isFinite(from) || !Number.isFinite(to)) return json(res, 400, { error: 'from and to: epoch milliseconds' }, close);
      return json(res, 200, { stallMs: longestStall(from, to) });
    }
    if (what !== '/faults') return json(res, 404, { error: 'not found' }, close);
    if (req.method !== 'POST') return json(res, 405, { error: 'POST only' }, { ...close, allow: 'POST' });
    if (Number(req.headers['content-length'] ?? 0) > MAX_CONTROL_BODY) return json(res, 413, { error: `at most ${MAX_CONTROL_BODY} octets` }, close);
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', guarded(req, (c: Buffer) => {
      bytes += c.length;
      if (bytes <= MAX_CONTROL_BODY) chunks.push(c);
      else if (!res.headersSent) json(res, 413, { error: `at most ${MAX_CONTROL_BODY} octets` }, close);
    }));
    req.on('error', () => req.socket.destroy());
    req.on('end', guarded(req, () => {
      if (res.headersSent) return;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (err) {
        return json(res, 400, { error: `not JSON: ${(err as Error).message}` });
      }
      const parsed = parseFaults(value);
      if ('problem' in parsed) return json(res, 422, { error: parsed.problem });
      if (!faults.has(marker) && faults.size >= MAX_MARKERS) return json(res, 503, { error: `at most ${MAX_MARKERS} markers per run` });
      faults.set(marker, parsed.faults);
      if (!deliveries.has(marker)) deliveries.set(marker, []);
      res.writeHead(204).end();
    }));
  };

  const control: Server = createServer((req, res) => {
    try {
      onControl(req, res);
    } catch {
      json(res, 500, { error: 'internal error' }, { connection: 'close' });
    }
  });

  const host = options.host ?? '127.0.0.1';
  const appPort = await listen(app, options.port ?? 0, host);
  const controlPort = await listen(control, 0, '127.0.0.1');
  const appHost = host.includes(':') ? `[${host}]` : host;
  return {
    appUrl: `http://${appHost}:${appPort}${path}`,
    controlUrl: `http://127.0.0.1:${controlPort}${controlPath}`,
    controlToken,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([closeServer(app), closeServer(control)]);
    },
  };
}
