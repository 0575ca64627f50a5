import type { QuirkSpec } from '../quirk-spec.ts';

/** Fault switches of the reference STOMP 1.2 layer (mocks/oam/stomp-connection.ts, mocks/oam/broker.ts). */
export const STOMP_QUIRKS = {
  'stomp.no-stomp-synonym': { clause: 'S-1', breaks: 'the STOMP command is refused (ERROR "unknown command") instead of being taken as CONNECT' },
  'stomp.escape-connect-headers': {
    clause: 'S-1',
    breaks: 'escape sequences in CONNECT header values are decoded, so a literal backslash sequence such as "\\t" is refused as an undefined escape',
  },
  'stomp.no-version-on-version-error': { clause: 'S-2', breaks: 'the ERROR refusing an unsupported accept-version carries no version header' },
  'stomp.refuse-crlf': { clause: 'S-3', breaks: 'a frame written with CRLF line endings is refused with ERROR (heart-beat EOLs between frames aside)' },
  'stomp.content-length-counts-chars': { clause: 'S-4', breaks: 'MESSAGE content-length counts characters, not UTF-8 octets' },
  'stomp.nested-escape-decoding': { clause: 'S-5', breaks: 'SEND header names and values (receipt and destination aside) are decoded twice: \\\\n arrives as a line feed, not as a backslash and n' },
  'stomp.trim-header-values': { clause: 'S-5', breaks: 'leading and trailing whitespace of client header values is trimmed' },
  'stomp.last-repeated-header-wins': { clause: 'S-6', breaks: 'of a repeated header the last occurrence is taken, not the first' },
  'stomp.subscribe-without-id': { clause: 'S-7', breaks: 'SUBSCRIBE without an id header is accepted (empty id) instead of refused' },
  'stomp.message-id-reused': { clause: 'S-7', breaks: 'every MESSAGE of a session carries the same message-id' },
  'stomp.no-disconnect-receipt': { clause: 'S-8', breaks: 'DISCONNECT with a receipt header closes without sending the RECEIPT' },
  'stomp.no-close-after-error': {
    clause: 'S-9',
    breaks: 'after sending ERROR the server keeps the connection open',
    collateral: {
      clauses: ['S-2', 'S-4', 'S-5', 'S-7', 'S-11', 'S-12'],
      reason: 'ERROR-then-close is also asserted by the cases of these clauses that send a refused frame (S-2.2/2.3 version ERROR, '
        + 'S-4.6 short content-length, S-5.3-5.5 undefined escapes, S-7.1/7.2 SUBSCRIBE without id/destination, S-11 limits, S-12.10 an undefined escape split over messages): '
        + 'they get the ERROR, but the connection stays open',
    },
  },
  'stomp.no-server-heartbeats': { clause: 'S-10', breaks: 'CONNECTED announces server heart-beats but the server never sends an EOL' },
  'stomp.no-size-limits': { clause: 'S-11', breaks: 'the declared header-count, header-line and body limits are not enforced' },
  'stomp.frame-per-message': {
    clause: 'S-12',
    breaks: 'each WebSocket message is parsed alone as exactly one frame (ActiveMQ Classic): a frame split over messages is refused with ERROR, '
      + 'frames after the first one of a message are dropped',
  },
  'stomp.shared-destination-crosses-sessions': {
    clause: 'S-13',
    breaks: 'when sessions share a destination, every copy of a message is delivered on the first subscriber\'s session',
  },
} as const satisfies Record<string, QuirkSpec>;
