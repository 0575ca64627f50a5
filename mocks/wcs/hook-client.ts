import { hookAuthorization } from '../../src/hooks/signature.ts';
import type { WcsHookSettings } from '../../src/target/target.ts';
import type { Quirk } from '../quirks.ts';
import { AttemptError, Http4Client } from './http4.ts';

/**
 * The REST hook client of the reference WCS, with the semantics CONTRACTS.md H-10 … H-16 give WCS: Apache HttpClient
 * 4.5.14 (mocks/wcs/http4.ts) with DefaultHttpRequestRetryHandler(retryCount, requestSentRetryEnabled). A timeout, a
 * refused connection, an HTTP status and a failure while reading the body are never retried; a request not sent
 * whole is retried whatever the flag; a request sent whole that got no response is retried only with sent-retry on;
 * up to 1 + retry count executions in all. What WCS logs and reports is the exception HttpClient throws.
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
  /** The exception HttpClient 4 throws, as WCS logs it and reports it to the client. */
  | { kind: 'timeout' | 'refused' | 'dropped' | 'broken-answer'; exception: string }
  | { kind: 'disabled' };

export interface HookResult {
  outcome: HookOutcome;
  /** Requests actually written to the network (whole or in part). */
  attempts: number;
  /** Milliseconds from the first attempt to the outcome. */
  ms: number;
}

export class HookClient {
  private readonly http: Http4Client;
  /** Log lines in the documented form (seed 001: `… ERROR RestClient - … Got exception in REST <exception>`). */
  readonly log: string[] = [];

  constructor(
    readonly settings: HookClientSettings,
    private readonly quirks: ReadonlySet<Quirk> = new Set(),
  ) {
    let timeoutMs = quirks.has('wcs.no-timeout') ? 0 : settings.rest_request_timeout * 1000;
    if (timeoutMs === 0 && quirks.has('wcs.zero-timeout-gives-up')) timeoutMs = 1; // 0 taken as "give up at once"
    this.http = new Http4Client({ socketTimeoutMs: timeoutMs, deadline: quirks.has('wcs.deadline-timeout') });
  }

  async send(appUrl: string, method: string, body: unknown): Promise<HookResult> {
    const started = performance.now();
    if (this.settings.disable_rest_requests && !this.quirks.has('wcs.send-when-disabled')) return { outcome: { kind: 'disabled' }, attempts: 0, ms: 0 };
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' };
    if (this.quirks.has('wcs.text-plain-hooks')) headers['content-type'] = 'text/plain;charset=UTF-8';
    if (this.settings.rest_hook_send_hash && this.settings.rest_hook_secret_key) {
      headers.authorization = hookAuthorization(text, this.settings.rest_hook_secret_key);
    }
    const url = new URL(`${appUrl}/${method}`);
    const route = `{}->${url.protocol}//${url.host}`;
    const payload = Buffer.from(text, 'utf8');
    let attempts = 0;
    for (let execution = 1; ; execution++) {
      try {
        const res = await this.http.execute(url, headers, payload);
        attempts++;
        if (res.status >= 400 && this.quirks.has('wcs.retry-on-http-status') && execution <= this.settings.rest_client_request_retry_count) continue;
        return { outcome: { kind: 'answered', status: res.status, body: res.body }, attempts, ms: performance.now() - started };
      } catch (err) {
        if (!(err instanceof AttemptError)) throw err;
        if (err.written) attempts++;
        if (this.retryRequest(err, execution)) {
          this.line('INFO', 'RetryExec', `I/O exception (${err.exception.javaClass}) caught when processing request to ${route}: ${err.exception.message}`);
          this.line('INFO', 'RetryExec', `Retrying request to ${route}`);
          continue;
        }
        // RetryExec rethrows a NoHttpResponseException it gives up on with the host in its message (seed 002's line).
        const exception = err.exception.javaClass === 'org.apache.http.NoHttpResponseException' ? `${err.exception.javaClass}: ${url.host} failed to respond` : err.exception.text;
        this.line('ERROR', 'RestClient', `Got exception in REST ${exception}`);
        const kind = /Timeout/.test(err.exception.javaClass) ? 'timeout' : /HttpHostConnect/.test(err.exception.javaClass) ? 'refused' : err.phase === 'body' ? 'broken-answer' : 'dropped';
        return { outcome: { kind, exception }, attempts, ms: performance.now() - started };
      }
    }
  }

  /** DefaultHttpRequestRetryHandler.retryRequest, for a POST (never idempotent), with the quirks that break it. */
  private retryRequest(err: AttemptError, execution: number): boolean {
    if (execution > this.settings.rest_client_request_retry_count) return false;
    const sentRetry = this.settings.rest_client_request_sent_retry_enabled || this.quirks.has('wcs.ignore-sent-retry-flag');
    if (err.nonRetriable) return /SocketTimeout/.test(err.exception.javaClass) && this.quirks.has('wcs.retry-on-read-timeout');
    // The body is read after the exchange, outside the retry loop: a half answer is final.
    if (err.phase === 'body') return this.quirks.has('wcs.retry-half-answer') && sentRetry;
    if (!err.sent) return sentRetry || !this.quirks.has('wcs.unsent-needs-sent-retry');
    if (this.quirks.has('wcs.no-retry-on-drop')) return false;
    if (err.staleReuse && this.quirks.has('wcs.no-retry-on-stale')) return false;
    if (err.staleReuse && this.quirks.has('wcs.stale-retry-without-sent-retry')) return true;
    return sentRetry;
  }

  private line(level: 'ERROR' | 'INFO', logger: string, text: string): void {
    const time = new Date().toISOString().slice(11, 23).replace('.', ',');
    this.log.push(`${time} ${level} ${logger} - API-ASYNC-pool-1-thread-1 ${text}`);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
