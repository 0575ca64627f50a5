import { hookAuthorization } from '../../../src/hooks/signature.ts';
import { readFileSync } from 'node:fs';
import type { CaseContext } from '../../../src/case.ts';
import { problems } from '../../../src/schemas.ts';
import type { HttpAnswer } from '../../../src/transport/http-client.ts';

/** Hook bodies as WCS sends them (fixtures/hooks/hooks.json; StreamStatusEvent is seed 003's). */
export const HOOKS: Record<string, Record<string, unknown>> = JSON.parse(readFileSync(new URL('../../../fixtures/hooks/hooks.json', import.meta.url), 'utf8'));
export const METHODS = Object.keys(HOOKS).filter((k) => !k.startsWith('$'));

export interface SendOptions {
  /** `valid` (default when the target declares rest_hook_send_hash), `wrong`, or `none`. */
  signature?: 'valid' | 'wrong' | 'none';
  contentType?: string;
}

/** POSTs a hook to the backend as WCS would: `POST <app url>/<method>`, JSON body, signed when configured. */
export async function sendHook(c: CaseContext, method: string, body: unknown, opts: SendOptions = {}): Promise<HttpAnswer> {
  const target = c.target.hooks.backend;
  const text = JSON.stringify(body);
  const http = c.http(`hook ${method}`, target.insecure);
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json;charset=UTF-8', accept: 'application/json' };
  const key = target.settings.rest_hook_secret_key;
  const signature = opts.signature ?? (target.settings.rest_hook_send_hash && key ? 'valid' : 'none');
  if (signature !== 'none' && key) {
    headers.authorization = hookAuthorization(signature === 'wrong' ? `${text} ` : text, key);
    http.transcript.redact(key, 'rest_hook_secret_key');
  }
  return http.send('POST', `${target.url}/${method}`, { headers, body: text, timeoutMs: Math.max(5000, target.settings.rest_request_timeout * 2000) });
}

/** Accepted: HTTP 200 (the clause of the case that calls it); returns the body read as JSON whatever its type. */
export function checkAccepted(c: CaseContext, method: string, r: HttpAnswer): Record<string, unknown> {
  c.measure(`${method}: answered in (ms)`, r.ms.toFixed(1));
  c.check(r.status === 200, `${method}: HTTP 200`, `HTTP ${r.status}: ${r.text.slice(0, 200)}`);
  return (r.json && typeof r.json === 'object' ? r.json : {}) as Record<string, unknown>;
}

/** The H-2 answer: 200, Content-Type application/json, a JSON object body. */
export function checkJsonOk(c: CaseContext, method: string, r: HttpAnswer): Record<string, unknown> {
  const body = checkAccepted(c, method, r);
  c.check(/^application\/json\b/i.test(r.headers['content-type'] ?? ''), `${method}: Content-Type application/json`, r.headers['content-type'] ?? '(none)');
  const v = problems('hooks', 'answer', r.json);
  c.check(v.length === 0, `${method}: a JSON object body`, r.text.slice(0, 200) || '(empty)');
  return body;
}
