/**
 * Fault switches of the reference servers ("quirks"), each named after what it breaks and the clause whose cases must
 * catch it (the negative controls in test/controls/ prove they do).
 */
export const QUIRKS = {
  'oam.wrong-content-type': { clause: 'O-4', breaks: 'responses on /user/service carry content-type:text/plain' },
  'oam.content-length-counts-chars': { clause: 'O-4', breaks: 'responses declare a content-length counting characters, not octets' },
  'oam.leak-response-to-other-session': { clause: 'O-5', breaks: 'responses go to every session subscribed to /user/service' },
  'oam.404-for-unknown-id': { clause: 'O-7', breaks: 'an unknown id is answered 404 (the older docs) instead of 400' },
  'oam.no-cors': { clause: 'O-9', breaks: 'REST answers and preflights carry no CORS headers' },
  'oam.no-connect-timeout': { clause: 'O-10', breaks: 'stomp_max_timeout is ignored: idle WebSockets stay open' },
  'websocketd.4002-instead-of-4001': { clause: 'W-3', breaks: 'a connection without token is closed with 4002 instead of 4001' },
  'websocketd.msg-missing': { clause: 'W-7', breaks: 'replies before start omit the msg key' },
  'websocketd.forward-before-start': { clause: 'W-8', breaks: 'bus events are forwarded before the client sent start' },
  'websocketd.ignore-required-acl': { clause: 'W-11', breaks: 'events go to every subscriber, whatever their required_acl' },
  'backend.no-json-content-type': { clause: 'H-2', breaks: 'the echo backend answers with Content-Type: text/plain' },
  'backend.no-hash-check': { clause: 'H-6', breaks: 'the echo backend accepts any signature, or none' },
  'wcs.no-timeout': { clause: 'H-10', breaks: 'the reference WCS ignores rest_request_timeout and waits for any answer' },
  'wcs.retry-on-read-timeout': { clause: 'H-10', breaks: 'the reference WCS retries a request that timed out' },
  'wcs.ignore-sent-retry-flag': { clause: 'H-13', breaks: 'the reference WCS retries a dropped request even with sent-retry disabled' },
  'wcs.send-when-disabled': { clause: 'H-14', breaks: 'the reference WCS sends hooks although disable_rest_requests=true' },
  'wcs.retry-on-http-status': { clause: 'H-16', breaks: 'the reference WCS retries hooks answered with a 4xx or 5xx status' },
} as const satisfies Record<string, { clause: string; breaks: string }>;

export type Quirk = keyof typeof QUIRKS;

/** The suite whose cases catch a quirk: `oam.*` → oam, `backend.*` (the hook backend) → hooks. */
export function quirkSuite(quirk: Quirk): string {
  const prefix = quirk.split('.')[0];
  return prefix === 'backend' || prefix === 'wcs' ? 'hooks' : prefix;
}

export function parseQuirks(names: readonly string[]): Set<Quirk> {
  const unknown = names.filter((n) => !(n in QUIRKS));
  if (unknown.length) throw new Error(`unknown quirk ${unknown.join(', ')} (known: ${Object.keys(QUIRKS).join(', ')})`);
  return new Set(names as Quirk[]);
}
