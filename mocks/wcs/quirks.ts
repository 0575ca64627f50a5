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
} as const satisfies Record<string, QuirkSpec>;
