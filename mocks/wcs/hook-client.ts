import { hookAuthorization } from '../../src/hooks/signature.ts';
import { Agent, errors, request } from 'undici';
import type { WcsHookSettings } from '../../src/target/target.ts';
import type { Quirk } from '../quirks.ts';

/**
 * The REST hook client of the reference WCS, with the semantics CONTRACTS.md H-10 … H-16 give WCS: Apache HttpClient 4's
 * DefaultHttpRequestRetryHandler(retryCount, requestSentRetryEnabled). A read timeout, a refused connection and an HTTP
 * status are never retried; a request that was sent but got no answer (the connection dropped) is retried only when
 * sent-retry is enabled, up to 1 + retry count deliveries in all.
 */
export type HookClientSettings = WcsHookSettings;

/** flashphoner.properties defaults for these settings. */
export const DEFAULT_HOOK_SETTINGS: HookClientSettings = {
  rest_request_timeout: 15,
  rest_client_request_retry_count: 3,
  rest_client_request_sent_retry_enabled: true,
  disable_rest_requests: false,
};

export type HookOutcome =
  | { kind: 'answered'; status: number; body: string }
  | { kind: 'timeout' }
  | { kind: 'refused' }
  | { kind: 'dropped' }
  | { kind: 'disabled' };

export interface HookResult {
  outcome: HookOutcome;
  /** Requests actually written to the network. */
  attempts: number;
  /** Milliseconds from the first attempt to the outcome. */
  ms: number;
}

export class HookClient {
  private readonly agent = new Agent({ pipelining: 0 });
  /** Error lines in the documented form (seed 001). */
  readonly log: string[] = [];

  constructor(
    readonly settings: HookClientSettings,
    private readonly quirks: ReadonlySet<Quirk> = new Set(),
  ) {}

  async send(appUrl: string, method: string, body: unknown): Promise<HookResult> {
    const started = performance.now();
    if (this.settings.disable_rest_requests && !this.quirks.has('wcs.send-when-disabled')) return { outcome: { kind: 'disabled' }, attempts: 0, ms: 0 };
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' };
    if (this.quirks.has('wcs.text-plain-hooks')) headers['content-type'] = 'text/plain;charset=UTF-8';
    if (this.settings.rest_hook_send_hash && this.settings.rest_hook_secret_key) {
      headers.authorization = hookAuthorization(text, this.settings.rest_hook_secret_key);
    }
    let timeoutMs = this.quirks.has('wcs.no-timeout') ? 0 : this.settings.rest_request_timeout * 1000;
    if (timeoutMs === 0 && this.quirks.has('wcs.zero-timeout-gives-up')) timeoutMs = 1; // 0 taken as "give up at once"
    const retries = () => attempts <= this.settings.rest_client_request_retry_count;
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const res = await request(`${appUrl}/${method}`, {
          method: 'POST',
          headers,
          body: text,
          dispatcher: this.agent,
          // undici's own timeouts tick at 1 s resolution; a signal gives the give-up time WCS's read timeout has.
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
        });
        const answer = await res.body.text();
        if (res.statusCode >= 400 && this.quirks.has('wcs.retry-on-http-status') && retries()) continue;
        return { outcome: { kind: 'answered', status: res.statusCode, body: answer }, attempts, ms: performance.now() - started };
      } catch (err) {
        const kind = classify(err);
        if (kind === 'timeout') {
          this.error(method, 'java.net.SocketTimeoutException: Read timed out');
          if (this.quirks.has('wcs.retry-on-read-timeout') && retries()) continue;
          return { outcome: { kind }, attempts, ms: performance.now() - started };
        }
        if (kind === 'refused') {
          this.error(method, 'java.net.ConnectException: Connection refused');
          attempts--; // nothing was delivered
          return { outcome: { kind }, attempts, ms: performance.now() - started };
        }
        const sentRetry = this.settings.rest_client_request_sent_retry_enabled || this.quirks.has('wcs.ignore-sent-retry-flag');
        const retry = sentRetry && retries() && !this.quirks.has('wcs.no-retry-on-drop');
        this.error(method, `org.apache.http.NoHttpResponseException: the target server failed to respond${retry ? ' (retrying)' : ''}`);
        if (!retry) return { outcome: { kind: 'dropped' }, attempts, ms: performance.now() - started };
      }
    }
  }

  private error(method: string, exception: string): void {
    const time = new Date().toISOString().slice(11, 23).replace('.', ',');
    this.log.push(`${time} ERROR RestClient - API-ASYNC-pool-1-thread-1 Got exception in REST ${method}: ${exception}`);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function classify(err: unknown): 'timeout' | 'refused' | 'dropped' {
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) return 'timeout';
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  return 'dropped';
}
