import { timingSafeEqual } from 'node:crypto';
import { hookAuthorization } from '../../src/hooks/signature.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Quirk } from '../quirks.ts';

/**
 * The reference REST hook backend: an echo application like WCS's default EchoApp. Every hook is answered 200 with
 * its own body; `connect` also returns a restClientConfig; switches refuse, delay, or check the HMAC signature.
 */
export interface EchoBackendOptions {
  host?: string;
  port?: number;
  /** Application path: hooks are POST <path>/<method>. */
  path?: string;
  /** A connect whose custom.login equals this is refused 403 with {status, reason}. */
  refuseLogin?: string;
  /** Delay every answer by this many ms. */
  delayMs?: number;
  /** Returned with every connect answer (H-4). */
  restClientConfig?: Record<string, unknown>;
  /** When set, requests must carry `Authorization: WCS <hex HMAC-MD5 of the body>` (H-6), else 403. */
  secretKey?: string;
  /** Request body limit, octets (default 1 MiB): a larger body is answered 413 and never kept. */
  maxBodyBytes?: number;
  /** Time to receive a request's head, ms (default 5000); then 408 and close (slowloris). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, head and body, ms (default 15000); then 408 and close (slow bodies). */
  requestTimeoutMs?: number;
  quirks?: ReadonlySet<Quirk>;
}

/** The echo backend's limits (documented in the README, hooks section). */
export const ECHO_BACKEND_LIMITS = { maxBodyBytes: 1024 * 1024, headersTimeoutMs: 5000, requestTimeoutMs: 15_000 } as const;
/** After a 413 the rest of the body is read and dropped for this long, so that the client sees the 413, not a reset. */
const LINGER_MS = 2000;

export interface RunningEchoBackend {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_REST_CLIENT_CONFIG = {
  StreamStatusEvent: { restOnError: 'FAIL', restPolicy: 'NOTIFY' },
  OnDataEvent: { clientExclude: '', restExclude: '', restOnError: 'LOG', restPolicy: 'NOTIFY', restOverwrite: '' },
};


export async function startEchoBackend(options: EchoBackendOptions = {}): Promise<RunningEchoBackend> {
  const path = (options.path ?? '/apps/echo').replace(/\/$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? ECHO_BACKEND_LIMITS.maxBodyBytes;
  const requestTimeout = options.requestTimeoutMs ?? ECHO_BACKEND_LIMITS.requestTimeoutMs;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? ECHO_BACKEND_LIMITS.headersTimeoutMs, requestTimeout);
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)) }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const tooLarge = () => {
      // No `Connection: close`: node would close at once, with the body unread, and the kernel's RST would discard
      // the 413 before the client reads it. The rest is read and dropped (lingering close), then the connection is
      // closed, gracefully once the body is in, or cut after LINGER_MS.
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 413, reason: `Payload Too Large: at most ${maxBodyBytes} octets` }));
      chunks.length = 0;
      req.removeAllListeners('data');
      req.removeAllListeners('end');
      req.on('end', () => req.socket.end());
      req.resume();
      setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
    };
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) return tooLarge();
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > maxBodyBytes) return tooLarge();
      chunks.push(c);
    });
    req.on('error', () => req.socket.destroy());
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const reply = (status: number, body: unknown): void => {
        let text: string;
        try {
          text = JSON.stringify(body);
        } catch (err) {
          // A body nested deeper than the stack allows: a clean error answer, never a crash of the backend.
          return reply(500, { status: 500, reason: `Internal Server Error: ${(err as Error).message}` });
        }
        const send = () => {
          const type = options.quirks?.has('backend.no-json-content-type') ? 'text/plain' : 'application/json';
          res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        };
        // backend.slow-publish-stream: 2.5 s is beyond the 2 s rest_request_timeout the reference target declares.
        const delayMs = options.quirks?.has('backend.slow-publish-stream') && req.url?.endsWith('/publishStream') ? 2500 : options.delayMs;
        if (delayMs) setTimeout(send, delayMs);
        else send();
      };
      const url = new URL(req.url ?? '/', 'http://backend');
      if (req.method !== 'POST' || !url.pathname.startsWith(`${path}/`)) return reply(404, { status: 404, reason: 'Not Found' });
      const method = url.pathname.slice(path.length + 1);
      if (options.quirks?.has('backend.requires-charset') && !/;\s*charset=/i.test(req.headers['content-type'] ?? '')) return reply(415, { status: 415, reason: 'Unsupported Media Type: charset required' });
      if (options.secretKey && !options.quirks?.has('backend.no-hash-check')) {
        const expected = Buffer.from(hookAuthorization(raw, options.secretKey));
        const given = Buffer.from(req.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(403, { status: 403, reason: 'Forbidden: bad signature' });
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString('utf8'));
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
      } catch {
        return reply(400, { status: 400, reason: 'Bad Request: the body is not a JSON object' });
      }
      if (method === 'connect') {
        const login = (body.custom as { login?: unknown } | undefined)?.login;
        if (options.refuseLogin !== undefined && login === options.refuseLogin) return reply(403, { status: 403, reason: 'Refused by the backend' });
        if (options.quirks?.has('backend.legacy-disabled-spelling')) return reply(200, { ...body, restClientConfig: { ...DEFAULT_REST_CLIENT_CONFIG, StreamStatusEvent: { restOnError: 'FAIL', restPolicy: 'DISABLED' } } });
        return reply(200, { ...body, restClientConfig: options.restClientConfig ?? DEFAULT_REST_CLIENT_CONFIG });
      }
      reply(200, body);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}${path}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}
