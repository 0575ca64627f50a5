import type { QuirkSpec } from '../quirk-spec.ts';

/** Fault switches of the WCS OAM reference server (mocks/oam/app.ts, server.ts, store.ts). */
export const OAM_QUIRKS = {
  'oam.wrong-content-type': { clause: 'O-4', breaks: 'responses on /user/service carry content-type:text/plain' },
  'oam.content-length-counts-chars': { clause: 'O-4', breaks: 'responses declare a content-length counting characters, not octets' },
  'oam.leak-response-to-other-session': { clause: 'O-5', breaks: 'responses go to every session subscribed to /user/service' },
  'oam.404-for-unknown-id': { clause: 'O-7', breaks: 'an unknown id is answered 404 (the older docs) instead of 400' },
  'oam.no-cors': { clause: 'O-9', breaks: 'REST answers and preflights carry no CORS headers' },
  'oam.no-connect-timeout': { clause: 'O-10', breaks: 'stomp_max_timeout is ignored: idle WebSockets stay open' },
} as const satisfies Record<string, QuirkSpec>;
