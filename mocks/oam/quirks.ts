import type { QuirkSpec } from '../quirk-spec.ts';

/** Fault switches of the WCS OAM reference server (mocks/oam/app.ts, server.ts, store.ts). */
export const OAM_QUIRKS = {
  'oam.wrong-content-type': { clause: 'O-4', breaks: 'responses on /user/service carry content-type:text/plain' },
  'oam.content-length-counts-chars': { clause: 'O-4', breaks: 'responses declare a content-length counting characters, not octets' },
  'oam.leak-response-to-other-session': { clause: 'O-5', breaks: 'responses go to every session subscribed to /user/service' },
  'oam.404-for-unknown-id': { clause: 'O-7', breaks: 'an unknown id is answered 404 (the older docs) instead of 400' },
  'oam.no-cors': { clause: 'O-9', breaks: 'REST answers and preflights carry no CORS headers' },
  'oam.no-connect-timeout': { clause: 'O-10', breaks: 'stomp_max_timeout is ignored: idle WebSockets stay open' },
  'oam.stomp-not-at-ws': { clause: 'O-1', breaks: 'the STOMP endpoint is served at /stomp instead of /ws' },
  'oam.refuse-alarm-subscription': {
    clause: 'O-2',
    breaks: 'SUBSCRIBE /alarm is refused with ERROR-then-close',
    collateral: { clauses: ['O-11'], reason: 'O-11.1 (INFO) needs the /alarm subscription to see an alarm pushed, and records that it saw none' },
  },
  'oam.receipt-swallows-response': { clause: 'O-3', breaks: 'a request SEND that carries a receipt header gets the RECEIPT but no response' },
  'oam.profile-ids-as-strings': { clause: 'O-6', breaks: 'profile/list answers the profile ids as strings (as they went in) instead of numbers' },
  'oam.drop-request-id': {
    clause: 'O-7',
    breaks: 'error responses to an unknown realm or a malformed payload omit the requestId',
    collateral: { clauses: ['O-11'], reason: 'O-11.3 (INFO) reads the refusal of a bad alarm type by its requestId, which the quirk drops from error responses' },
  },
  'oam.rest-bare-array': { clause: 'O-8', breaks: 'REST list answers of /api/node/* and /api/node_status/* are a bare array (the older docs), not {status, reason, payload}' },
} as const satisfies Record<string, QuirkSpec>;
