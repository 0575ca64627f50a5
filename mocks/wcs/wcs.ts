import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Quirk } from '../quirks.ts';
import { HookClient, type HookClientSettings, type HookResult } from './hook-client.ts';

/**
 * The reference WCS for the client role: the subset of the WCS client WebSocket API that makes hooks happen
 * (`connection` → `connect`, `sendData` → `OnDataEvent`, `ping`/`pong`), its REST hook client, and the
 * `restClientConfig` of the `connect` answer applied (restPolicy DISABLE, restOnError FAIL → ErrorEvent).
 */
export interface WcsOptions {
  host?: string;
  port?: number;
  settings: HookClientSettings;
  /** appKey → application URL (hooks are POST <url>/<method>). */
  applications: Record<string, string>;
  /** Server ping interval, ms (0: none). */
  pingMs?: number;
  quirks?: ReadonlySet<Quirk>;
}

export interface RunningWcs {
  url: string;
  log: string[];
  close(): Promise<void>;
}

interface MethodConfig {
  restOnError?: 'LOG' | 'FAIL';
  restPolicy?: 'NOTIFY' | 'OVERWRITE' | 'DISABLE';
}

type Send = (message: string, data: unknown) => void;

/** The reason shown to the client: the body's when it is exactly {status, reason}, else the status line's (H-5). */
export function refusalReason(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body);
    const keys = parsed && typeof parsed === 'object' ? Object.keys(parsed).sort().join(',') : '';
    if (keys === 'reason,status' && typeof parsed.reason === 'string') return parsed.reason;
  } catch {
    // not JSON: the status line speaks
  }
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}

class WcsSession {
  private appUrl: string | undefined;
  private context: Record<string, unknown> = {};
  private config: Record<string, MethodConfig> = {};

  constructor(
    private readonly send: Send,
    private readonly hooks: HookClient,
    private readonly options: WcsOptions,
    private readonly sessionId: string,
  ) {}

  async onMessage(message: string, data: Array<Record<string, unknown>>): Promise<void> {
    const first = data?.[0] ?? {};
    if (message === 'connection') return this.connect(first);
    if (message === 'sendData') return this.sendData(first);
    // pong and anything else: nothing to do
  }

  private async connect(params: Record<string, unknown>): Promise<void> {
    const appKey = String(params.appKey ?? 'defaultApp');
    this.appUrl = this.options.applications[appKey];
    this.context = { nodeId: 'rtc-conformance-reference@127.0.0.1', appKey, sessionId: this.sessionId };
    if (!this.appUrl) return this.send('ConnectionStatusEvent', { status: 'FAILED', info: `Unknown application ${appKey}` });
    const result = await this.hooks.send(this.appUrl, 'connect', { ...this.context, ...params });
    if (result.outcome.kind === 'disabled') return this.send('ConnectionStatusEvent', { ...this.context, status: 'ESTABLISHED', info: '' });
    if (result.outcome.kind !== 'answered') return this.send('ConnectionStatusEvent', { ...this.context, status: 'FAILED', info: result.outcome.exception });
    const { status, body } = result.outcome;
    if (status !== 200) {
      const info = this.options.quirks?.has('wcs.status-line-reason') ? (STATUS_CODES[status] ?? `HTTP ${status}`) : refusalReason(status, body);
      return this.send('ConnectionStatusEvent', { ...this.context, status: 'FAILED', info });
    }
    try {
      this.config = (JSON.parse(body).restClientConfig as Record<string, MethodConfig>) ?? {};
    } catch {
      this.config = {};
    }
    this.send('ConnectionStatusEvent', { ...this.context, status: 'ESTABLISHED', info: '' });
  }

  /** OnDataEvent is an event: a non-200 answer is ignored unless its restOnError is FAIL (H-15). */
  private async sendData(params: Record<string, unknown>): Promise<void> {
    if (!this.appUrl) return this.send('ErrorEvent', { info: 'not connected' });
    const config = this.config.OnDataEvent ?? {};
    if (config.restPolicy === 'DISABLE' && !this.options.quirks?.has('wcs.ignore-rest-policy-disable')) return this.send('DataStatusEvent', { operationId: params.operationId, status: 'ACCEPTED' });
    const result: HookResult = await this.hooks.send(this.appUrl, 'OnDataEvent', { ...this.context, ...params });
    const ok = result.outcome.kind === 'answered' ? result.outcome.status === 200 : result.outcome.kind === 'disabled';
    const statusIgnored = result.outcome.kind === 'answered' && this.options.quirks?.has('wcs.no-error-event-on-status');
    if (!ok && config.restOnError === 'FAIL' && !statusIgnored) {
      const info = result.outcome.kind === 'answered' ? refusalReason(result.outcome.status, result.outcome.body) : result.outcome.kind === 'disabled' ? '' : result.outcome.exception;
      return this.send('ErrorEvent', { ...this.context, info, method: 'OnDataEvent' });
    }
    this.send('DataStatusEvent', { operationId: params.operationId, status: 'ACCEPTED' });
  }
}

export async function startWcs(options: WcsOptions): Promise<RunningWcs> {
  const hooks = new HookClient(options.settings, options.quirks);
  const wss = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  wss.on('connection', (ws: WebSocket, req) => {
    const send: Send = (message, data) => ws.readyState === 1 && ws.send(JSON.stringify({ message, data: [data] }));
    const session = new WcsSession(send, hooks, options, `/${req.socket.remoteAddress}:${req.socket.remotePort}/127.0.0.1:${port}`);
    const ping = options.pingMs ? setInterval(() => send('ping', null), options.pingMs) : undefined;
    ws.on('close', () => clearInterval(ping));
    ws.on('message', (raw: Buffer) => {
      let parsed: { message?: unknown; data?: unknown };
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return send('ErrorEvent', { info: 'not JSON' });
      }
      void session.onMessage(String(parsed.message), (Array.isArray(parsed.data) ? parsed.data : []) as Array<Record<string, unknown>>);
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    log: hooks.log,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await hooks.close();
    },
  };
}
