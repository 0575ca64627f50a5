import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The harness playing a faulty hook backend (client role): it records every delivery (arrival and end time, method,
 * headers, body) and answers each with the fault a case programmed for its marker. Cases run in vitest workers and
 * reach it over HTTP (`/_rtc/…`), since it lives in the process that started the run.
 */
export type Fault =
  | { kind: 'answer'; restClientConfig?: Record<string, unknown> }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' }
  /** TCP reset (RST) with no answer: for a hook body small enough to be sent at once, what a client sees of a reset before reading. */
  | { kind: 'reset' }
  | { kind: 'status'; status: number; body?: unknown };

export interface Delivery {
  method: string;
  arrivedAt: number;
  /** When the client closed the connection or got its answer (epoch ms). */
  endedAt?: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RunningFaultBackend {
  /** The application URL to give WCS: hooks are POST <url>/<method>. */
  appUrl: string;
  /** Where cases program faults and read deliveries. */
  controlUrl: string;
  close(): Promise<void>;
}

/** Cases mark their hooks: `custom.rtcCase` in connection parameters, `payload.rtcCase` in sendData. */
export function markerOf(body: string): string | undefined {
  try {
    const b = JSON.parse(body);
    return b?.custom?.rtcCase ?? b?.payload?.rtcCase;
  } catch {
    return undefined;
  }
}

export async function startFaultBackend(options: { host?: string; port?: number; path?: string } = {}): Promise<RunningFaultBackend> {
  const path = options.path ?? '/apps/rtc';
  const faults = new Map<string, Record<string, Fault>>();
  const deliveries = new Map<string, Delivery[]>();

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };

  const control = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    const marker = url.searchParams.get('marker') ?? '';
    if (req.method === 'POST' && url.pathname === '/_rtc/faults') {
      faults.set(marker, JSON.parse(text || '{}'));
      return void res.writeHead(204).end();
    }
    if (req.method === 'GET' && url.pathname === '/_rtc/deliveries') return json(res, 200, deliveries.get(marker) ?? []);
    json(res, 404, {});
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://backend');
      if (url.pathname.startsWith('/_rtc/')) return control(req, res, text);
      if (req.method !== 'POST' || !url.pathname.startsWith(`${path}/`)) return json(res, 404, { status: 404, reason: 'Not Found' });
      const method = url.pathname.slice(path.length + 1);
      const marker = markerOf(text) ?? '(unmarked)';
      const delivery: Delivery = { method, arrivedAt: Date.now(), headers: req.headers, body: text };
      (deliveries.get(marker) ?? deliveries.set(marker, []).get(marker)!).push(delivery);
      res.on('close', () => (delivery.endedAt ??= Date.now()));
      const fault: Fault = faults.get(marker)?.[method] ?? { kind: 'answer' };
      const echo = () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text);
        } catch {
          // answer an empty object
        }
        json(res, 200, fault.kind === 'answer' && fault.restClientConfig ? { ...body, restClientConfig: fault.restClientConfig } : body);
      };
      switch (fault.kind) {
        case 'answer':
          return echo();
        case 'delay':
          return void setTimeout(() => !res.destroyed && echo(), fault.ms);
        case 'drop':
          return void req.socket.destroy();
        case 'reset':
          return void req.socket.resetAndDestroy();
        case 'status':
          return json(res, fault.status, fault.body ?? { status: fault.status, reason: 'Refused by the harness' });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    appUrl: `${base}${path}`,
    controlUrl: `${base}/_rtc`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}
