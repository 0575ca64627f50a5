import type { QuirkSpec } from '../quirk-spec.ts';

/**
 * Fault switches of the hooks references: `backend.*` break the echo hook backend (mocks/wcs/backend.ts, backend
 * role), `wcs.*` break the reference WCS and its hook client (mocks/wcs/wcs.ts, hook-client.ts, client role).
 */
export const HOOKS_QUIRKS = {
  'backend.no-json-content-type': { clause: 'H-2', breaks: 'the echo backend answers with Content-Type: text/plain' },
  'backend.no-hash-check': { clause: 'H-6', breaks: 'the echo backend accepts any signature, or none' },
  'wcs.no-timeout': { clause: 'H-10', breaks: 'the reference WCS ignores rest_request_timeout and waits for any answer' },
  'wcs.retry-on-read-timeout': { clause: 'H-10', breaks: 'the reference WCS retries a request that timed out' },
  'wcs.ignore-sent-retry-flag': { clause: 'H-13', breaks: 'the reference WCS retries a dropped request even with sent-retry disabled' },
  'wcs.send-when-disabled': { clause: 'H-14', breaks: 'the reference WCS sends hooks although disable_rest_requests=true' },
  'wcs.retry-on-http-status': { clause: 'H-16', breaks: 'the reference WCS retries hooks answered with a 4xx or 5xx status' },
  'wcs.text-plain-hooks': { clause: 'H-1', breaks: 'the reference WCS posts hooks with Content-Type: text/plain' },
  'backend.requires-charset': { clause: 'H-1', breaks: 'the echo backend refuses (415) a Content-Type application/json without a charset parameter' },
  'backend.slow-publish-stream': { clause: 'H-3', breaks: 'the echo backend answers publishStream after 2.5 s, beyond the 2 s rest_request_timeout the reference target declares' },
  'backend.legacy-disabled-spelling': { clause: 'H-4', breaks: 'the echo backend returns restClientConfig with the older spelling restPolicy: DISABLED' },
  'wcs.ignore-rest-policy-disable': { clause: 'H-4', breaks: 'the reference WCS ignores restPolicy DISABLE and still sends that hook' },
  'wcs.status-line-reason': { clause: 'H-5', breaks: 'the reference WCS shows the status-line reason even when the refusal body is exactly {status, reason}' },
  'wcs.zero-timeout-gives-up': { clause: 'H-11', breaks: 'the reference WCS takes rest_request_timeout=0 as "give up at once" instead of "no timeout"' },
  'wcs.no-retry-on-drop': { clause: 'H-12', breaks: 'the reference WCS never retries a hook whose connection dropped without an answer' },
  'wcs.deadline-timeout': { clause: 'H-10', breaks: 'the reference WCS applies rest_request_timeout as a deadline from the request instead of per read (inactivity)' },
  'wcs.retry-half-answer': { clause: 'H-12', breaks: 'the reference WCS retries a hook whose answer broke off after the response head (a half answer), like a dropped connection' },
  'wcs.no-retry-on-stale': { clause: 'H-12', breaks: 'the reference WCS gives up a hook sent on a pooled keep-alive connection that the backend had closed, although sent-retry is on' },
  'wcs.stale-retry-without-sent-retry': { clause: 'H-13', breaks: 'the reference WCS retries a hook sent whole on a keep-alive connection that the backend had closed, although sent-retry is off (takes it as not sent)' },
  'wcs.unsent-needs-sent-retry': { clause: 'H-13', breaks: 'the reference WCS does not retry a hook whose sending failed part-way (a reset stale connection, a backend closing after the headers) when sent-retry is off' },
  'wcs.no-error-event-on-status': { clause: 'H-15', breaks: 'the reference WCS sends no ErrorEvent for an event hook answered non-200 although its restOnError is FAIL' },
} as const satisfies Record<string, QuirkSpec>;
