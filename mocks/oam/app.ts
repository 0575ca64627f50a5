import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyText, header, type ParsedFrame } from '../../src/stomp/index.ts';
import type { Broker } from './broker.ts';
import type { Quirk } from '../quirks.ts';
import type { OamSettings } from './settings.ts';
import type { StompConnection } from './stomp-connection.ts';
import type { OamStore, Sample } from './store.ts';

const JSON_UTF8 = 'application/json;charset=UTF-8';
const MAX_REST_BODY = 1024 * 1024;

/** The WCS OAM application on top of the STOMP endpoint and the HTTP server: realms, REST mirror, CORS, pushes. */
export class OamApp {
  constructor(
    private readonly store: OamStore,
    private readonly broker: Broker,
    private readonly settings: OamSettings,
    private readonly quirks: ReadonlySet<Quirk> = new Set(),
  ) {
    store.onAlarm = (event) => this.push('/alarm', event);
  }

  /** SEND to /app<realm>: answered on the session's own /user/service subscription. */
  readonly onSend = (frame: ParsedFrame, connection: StompConnection): boolean => {
    const destination = header(frame, 'destination') ?? '';
    if (!destination.startsWith('/app/')) return false;
    if (this.quirks.has('oam.receipt-swallows-response') && header(frame, 'receipt') !== undefined) return true;
    let request: { requestId?: unknown; realm?: unknown; payload?: unknown } | undefined;
    try {
      request = JSON.parse(bodyText(frame));
    } catch {
      request = undefined;
    }
    const requestId = typeof request?.requestId === 'string' ? request.requestId : null;
    let answer: { status: number; reason: string; payload?: unknown };
    if (!request || typeof request !== 'object') answer = { status: 400, reason: 'Bad Request: the body is not a JSON object' };
    else if (requestId === null) answer = { status: 400, reason: 'Bad Request: requestId is missing' };
    else answer = this.store.handle(destination.slice('/app'.length), request.payload);
    if (answer.status === 400 && answer.reason === 'Object not found' && this.quirks.has('oam.404-for-unknown-id')) answer = { ...answer, status: 404 };
    const dropId = this.quirks.has('oam.drop-request-id') && /^(Bad Request|Not Found):/.test(answer.reason);
    const body = JSON.stringify({ ...(dropId ? {} : { requestId }), ...answer });
    const contentType = this.quirks.has('oam.wrong-content-type') ? 'text/plain' : JSON_UTF8;
    const message = { command: 'MESSAGE', headers: [['content-type', contentType]] as Array<[string, string]>, body: Buffer.from(body) };
    if (this.quirks.has('oam.leak-response-to-other-session')) this.broker.publish('/user/service', message);
    else connection.deliverOwn('/user/service', message, this.quirks.has('oam.content-length-counts-chars'));
    return true;
  };

  /** REST: POST /api/... with the payload as body → {status, reason, payload}, the HTTP status equal to `status`. */
  readonly onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://reference');
    const cors: Record<string, string> = {};
    const corsOn = this.settings.accessControlAllowOrigin && !this.quirks.has('oam.no-cors');
    if (corsOn) {
      cors['access-control-allow-origin'] = this.settings.accessControlAllowOrigin === '*' ? '*' : this.settings.accessControlAllowOrigin;
      cors.vary = 'Origin';
    }
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': JSON_UTF8, 'content-length': Buffer.byteLength(text), ...cors, ...extra });
      res.end(text);
    };
    if (req.method === 'OPTIONS') {
      const preflight = corsOn
        ? {
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
            'access-control-max-age': '600',
          }
        : {};
      res.writeHead(204, { ...cors, ...preflight, allow: 'POST, OPTIONS' });
      res.end();
      return;
    }
    const isApi = url.pathname.startsWith('/api/');
    const isControl = url.pathname === '/_control/sample';
    if (!isApi && !isControl) return send(404, { status: 404, reason: 'Not Found' });
    if (req.method !== 'POST') return send(405, { status: 405, reason: 'Method Not Allowed' }, { allow: 'POST, OPTIONS' });
    readBody(req, MAX_REST_BODY).then(
      (text) => {
        let payload: unknown;
        try {
          payload = text.length ? JSON.parse(text) : {};
        } catch {
          return send(400, { status: 400, reason: 'Bad Request: the body is not JSON' });
        }
        if (isControl) {
          this.sample(payload as Sample);
          return send(200, { status: 200, reason: 'SUCCESS' });
        }
        let answer = this.store.handle(url.pathname, payload);
        if (answer.status === 400 && answer.reason === 'Object not found' && this.quirks.has('oam.404-for-unknown-id')) answer = { ...answer, status: 404 };
        const bareArray = this.quirks.has('oam.rest-bare-array') && url.pathname.startsWith('/api/node') && Array.isArray(answer.payload);
        send(answer.status, bareArray ? answer.payload : answer);
      },
      () => {
        res.setHeader('Connection', 'close');
        send(413, { status: 413, reason: 'Payload Too Large' });
      },
    );
  };

  /** The reference server's control input: a metric sample as a WCS node would report it. */
  sample(s: Partial<Sample>): void {
    this.store.sample({ node: Number(s.node), metric: Number(s.metric), value: Number(s.value), timestamp: s.timestamp ?? Date.now() });
  }

  /** Simulated real-time metrics: every subscribed /stream/<node>/<mediaSessionId> gets a sample array. */
  tickStreams(): void {
    for (const s of this.store.knownStreams) {
      const destination = `/stream/${s.node}/${s.mediaSessionId}`;
      if (!this.broker.hasSubscribers(destination)) continue;
      const now = Date.now();
      const samples = [3, 4].map((metric) => ({ timestamp: now, metric, value: metric === 3 ? 30 : 400_000 + (now % 1000) }));
      this.push(destination, samples);
    }
  }

  private push(destination: string, payload: unknown): void {
    this.broker.publish(destination, { command: 'SEND', headers: [['content-type', JSON_UTF8]], body: Buffer.from(JSON.stringify(payload)) });
  }
}

/**
 * The body of a request, up to `limit` octets. A larger one is refused at once (the caller answers 413 with
 * `Connection: close`) and the rest is read and thrown away for a moment, so that the client reads the 413 instead
 * of a connection reset; then the connection is cut.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      reject(new Error('too large'));
      setTimeout(() => req.destroy(), DRAIN_MS).unref();
    };
    if (Number(req.headers['content-length']) > limit) refuse();
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > limit) refuse();
      else chunks.push(c);
    });
    req.on('end', () => refused || resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (err) => refused || reject(err));
  });
}

/** How long an oversize body is drained after its 413 before the connection is cut. */
const DRAIN_MS = 2_000;
