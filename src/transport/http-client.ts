import type { Agent } from 'undici';
import { Transcript } from './transcript.ts';
import { TargetUnreachableError, sharedSecureContext } from './ws-client.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

/**
 * undici, loaded on the first request: most suite files never send one, and each worker that loads it pays about
 * 20 MB and 0.1 s of CPU.
 */
let undici: Promise<typeof import('undici')> | undefined;
const agents = new Map<boolean, Agent>();
async function client(insecure: boolean): Promise<{ request: (typeof import('undici'))['request']; agent: Agent }> {
  const { Agent, request } = await (undici ??= import('undici'));
  let a = agents.get(insecure);
  if (!a) agents.set(insecure, (a = new Agent({ connect: { rejectUnauthorized: !insecure, secureContext: sharedSecureContext() } })));
  return { request, agent: a };
}

/** An HTTP client (undici) that records each exchange, headers and body, in a transcript. */
export class RecordingHttp {
  constructor(
    readonly transcript: Transcript,
    private readonly insecure = false,
  ) {}

  async send(
    method: string,
    url: string,
    options: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
  ): Promise<HttpAnswer> {
    const headers = options.headers ?? {};
    const target = new URL(url);
    this.transcript.record('out', 'http', `${method} ${target.pathname}${target.search} HTTP/1.1\n${showHeaders({ host: target.host, ...headers })}\n${options.body ?? ''}`);
    const started = performance.now();
    try {
      const { request, agent } = await client(this.insecure);
      const res = await request(url, {
        method: method as 'POST',
        headers,
        body: options.body,
        dispatcher: agent,
        headersTimeout: options.timeoutMs ?? 5000,
        bodyTimeout: options.timeoutMs ?? 5000,
      });
      const text = await res.body.text();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
      this.transcript.record('in', 'http', `HTTP ${res.statusCode}\n${showHeaders(flat)}\n${text}`);
      let json: unknown;
      try {
        json = text.length ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: flat, text, json, ms: performance.now() - started };
    } catch (err) {
      this.transcript.note(`HTTP error: ${(err as Error).message}`);
      throw new TargetUnreachableError(`${method} ${url}: ${(err as Error).message}`);
    }
  }

  /** POST a JSON body. */
  post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('POST', url, { headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }
}

function showHeaders(headers: Record<string, string>): string {
  return Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join('');
}
