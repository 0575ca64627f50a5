/**
 * The STOMP 1.2 sentences the stomp cases cite (https://stomp.github.io/stomp-specification-1.2.html), quoted as
 * written: a case's level is the level of the sentence it quotes in its requirement.
 */
const STOMP_12 = 'STOMP 1.2';

function quote(section: string, ...sentences: string[]): string {
  return `${STOMP_12}, ${section}: "${sentences.join(' ')}"`;
}

export const SPEC = {
  connectedVersion: quote('CONNECTED Frame', 'STOMP 1.2 servers MUST set the following headers: version : The version of the STOMP protocol the session will be using.'),
  stompFrame: quote('CONNECT or STOMP Frame', 'STOMP servers MUST handle a STOMP frame in the same manner as a CONNECT frame.'),
  negotiation: quote('Protocol Negotiation', 'The protocol that will be used for the rest of the session will be the highest protocol version that both the client and server have in common.'),
  connected: quote('Connecting', 'If the server accepts the connection attempt it will respond with a CONNECTED frame.'),
  connectNotEscaped: quote('Value Encoding', 'The CONNECT and CONNECTED frames do not escape the carriage return, line feed or colon octets in order to remain backward compatible with STOMP 1.0.'),
  versionError: quote('Protocol Negotiation', 'If the client and server do not share any common protocol versions, then the sever MUST respond with an ERROR frame similar to the following and then close the connection: ERROR version:1.2,2.1 […]'),
  versionErrorHeader:
    `${quote('Protocol Negotiation', 'the sever MUST respond with an ERROR frame similar to the following […]: ERROR version:1.2,2.1')} ` +
    '(the version header is shown by the example the ERROR must be similar to, not required by a sentence of its own: SHOULD)',
  eol: quote('STOMP Frames', 'The frame starts with a command string terminated by an end-of-line (EOL), which consists of an OPTIONAL carriage return (octet 13) followed by a REQUIRED line feed (octet 10). […] Each header entry is terminated by an EOL.'),
  nulEols: quote('STOMP Frames', 'The body is then followed by the NULL octet. […] The NULL octet can be optionally followed by multiple EOLs.'),
  grammar: quote('Augmented BNF', 'frame = command EOL *( header EOL ) EOL *OCTET NULL *( EOL ); header = header-name ":" header-value; header-value = *<any OCTET except CR or LF or ":">'),
  contentLengthRead: quote('Header content-length', 'This header is an octet count for the length of the message body. If a content-length header is included, this number of octets MUST be read, regardless of whether or not there are NULL octets in the body. The frame still needs to be terminated with a NULL octet.'),
  contentLengthShould: quote('Header content-length', 'If a frame body is present, the SEND, MESSAGE and ERROR frames SHOULD include a content-length header to ease frame parsing.'),
  contentLengthNul: quote('Header content-length', 'If the frame body contains NULL octets, the frame MUST include a content-length header.'),
  errorContentLength: quote('ERROR', 'ERROR frames SHOULD include a content-length header and a content-type header if a body is present.'),
  sendRefused: quote('SEND', 'If the sever cannot successfully process the SEND frame for any reason, the server MUST send the client an ERROR frame and then close the connection.'),
  subscribeRefused: quote('SUBSCRIBE', 'If the sever cannot successfully create the subscription, the server MUST send the client an ERROR frame and then close the connection.'),
  escapes: quote('Value Encoding', 'When decoding frame headers, the following transformations MUST be applied: \\r […] \\n […] \\c […] \\\\ […]'),
  undefinedEscape: quote('Value Encoding', 'Undefined escape sequences such as \\t (octet 92 and 116) MUST be treated as a fatal protocol error.'),
  noTrim: quote('Value Encoding', 'In STOMP 1.2, clients and servers MUST never trim or pad headers with spaces.'),
  utf8: quote('Header content-type', 'All STOMP clients and servers MUST support UTF-8 encoding and decoding.'),
  repeated: quote('Repeated Header Entries', 'If a client or a server receives repeated frame header entries, only the first header entry SHOULD be used as the value of header entry.'),
  subscribeId: quote('SUBSCRIBE id Header', 'an id header MUST be included in the frame to uniquely identify the subscription.'),
  messageDestination: quote('MESSAGE', 'The MESSAGE frame MUST include a destination header indicating the destination the message was sent to. If the message has been sent using STOMP, this destination header SHOULD be identical to the one used in the corresponding SEND frame.'),
  messageId: quote('MESSAGE', 'The MESSAGE frame MUST also contain a message-id header with a unique identifier for that message and a subscription header matching the identifier of the subscription that is receiving the message.'),
  unsubscribe: quote('UNSUBSCRIBE', 'Once the subscription is removed the STOMP connections will no longer receive messages from that subscription.'),
  receipt: quote('RECEIPT', 'A RECEIPT frame MUST include the header receipt-id, where the value is the value of the receipt header in the frame which this is a receipt for.'),
  receiptCumulative: quote('RECEIPT', 'Since STOMP is stream based, the receipt is also a cumulative acknowledgment that all the previous frames have been received by the server.'),
  disconnect:
    `${quote('DISCONNECT', '[…] the client SHOULD: 1. send a DISCONNECT frame with a receipt header set. […] 2. wait for the RECEIPT frame response to the DISCONNECT. […] 3. close the socket.')} ` +
    '(no sentence makes the server close: INFO, recorded)',
  errorClose: quote('ERROR', 'The server MAY send ERROR frames if something goes wrong. In this case, it MUST then close the connection just after sending the ERROR frame.'),
  unknownFrame: quote('Client Frames', 'A client MAY send a frame not in this list, but for such a frame a STOMP 1.2 server MAY respond with an ERROR frame and then close the connection.'),
  errorMessage: quote('ERROR', 'The ERROR frame SHOULD contain a message header with a short description of the error'),
  errorReceiptId: quote('ERROR', 'if the frame included a receipt header, the ERROR frame SHOULD set the receipt-id header to match the value of the receipt header of the frame which the error is related to.'),
  heartBeatHeader: quote('Heart-beating', 'When used, the heart-beat header MUST contain two positive integers separated by a comma.'),
  heartBeatSend: quote('Heart-beating', 'the sender MUST send new data over the network connection at least every <n> milliseconds; if the sender has no real STOMP frame to send, it MUST send an end-of-line (EOL)'),
  heartBeatNone: quote('Heart-beating', 'if <cx> is 0 (the client cannot send heart-beats) or <sy> is 0 (the server does not want to receive heart-beats) then there will be none. In the other direction, <sx> and <cy> are used the same way.'),
  heartBeatDead: quote('Heart-beating', 'if, inside a time window of at least <n> milliseconds, the receiver did not receive any new data, it MAY consider the connection as dead'),
  sizeLimits: quote('Size Limits', 'If these limits are exceeded the server SHOULD send the client an ERROR frame and then close the connection.'),
  websocket: 'STOMP 1.2 says nothing about WebSocket messages ("STOMP is a frame based protocol which assumes a reliable 2-way streaming network protocol (such as TCP) underneath"): what a server does with them is recorded (INFO)',
} as const;
