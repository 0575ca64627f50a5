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
      clauses: ['S-2', 'S-4', 'S-5', 'S-7', 'S-11', 'S-12', 'S-15'],
      reason: 'ERROR-then-close is also asserted by the cases of these clauses that send a refused frame (S-2.2/2.3 version ERROR, '
        + 'S-4.6 short content-length, S-5.3-5.5 undefined escapes, S-7.1/7.2 SUBSCRIBE without id/destination, S-11 limits, S-12.10 an undefined escape split over messages, '
        + 'S-15.7-15.11 COMMIT/ABORT of an unknown transaction, a second BEGIN, BEGIN without transaction, SEND in an unknown transaction): '
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
  'stomp.no-ack-header': { clause: 'S-14', breaks: 'MESSAGEs of client and client-individual subscriptions carry no ack header' },
  'stomp.auto-not-consumed': {
    clause: 'S-14',
    breaks: 'queue messages delivered to an ack:auto subscription are kept as unacknowledged and redelivered when the subscriber goes away',
  },
  'stomp.ack-not-cumulative': { clause: 'S-14', breaks: 'an ACK in client mode acknowledges only the message it names, not the earlier ones' },
  'stomp.individual-ack-cumulative': {
    clause: 'S-14',
    breaks: 'ACK and NACK in client-individual mode are cumulative: they also settle every earlier message of the subscription',
  },
  'stomp.unknown-ack-ignored': { clause: 'S-14', breaks: 'ACK/NACK of an id that names no message is accepted silently (RECEIPT, no ERROR)' },
  'stomp.tx-send-before-commit': { clause: 'S-15', breaks: 'a SEND carrying a transaction header is delivered at once, not on COMMIT' },
  'stomp.tx-ack-immediate': { clause: 'S-15', breaks: 'an ACK or NACK carrying a transaction header takes effect at once, not on COMMIT' },
  'stomp.abort-delivers': { clause: 'S-15', breaks: 'ABORT applies the transaction\'s SENDs and ACKs, as COMMIT does' },
  'stomp.disconnect-commits': {
    clause: 'S-15',
    breaks: 'a transaction left open at DISCONNECT or a lost connection is committed instead of aborted',
  },
  'stomp.unknown-tx-ignored': {
    clause: 'S-15',
    breaks: 'COMMIT/ABORT of a transaction never begun, and SEND/ACK naming one, are accepted silently (RECEIPT, no ERROR)',
  },
  'stomp.duplicate-begin-accepted': { clause: 'S-15', breaks: 'BEGIN of a transaction already begun on the connection is accepted' },
  'stomp.tx-ids-global': {
    clause: 'S-15',
    breaks: 'transaction ids are shared by all sessions: a BEGIN of an id another session has begun is refused, and another session can commit it',
  },
} as const satisfies Record<string, QuirkSpec>;
