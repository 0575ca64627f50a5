/** The clause catalogue of CONTRACTS.md: every conformance case names one of these. */
export type Level = 'MUST' | 'SHOULD' | 'INFO';
/**
 * What a clause's cases talk to: one endpoint per protocol, and the two roles of the hooks (H-1 … H-9: a backend the
 * harness calls as WCS would; H-10 and up: a WCS whose hook client the harness serves as a faulty backend).
 */
export type Endpoint = 'stomp' | 'oam' | 'websocketd' | 'hooks-backend' | 'hooks-client';
export const ENDPOINTS: readonly Endpoint[] = ['stomp', 'oam', 'websocketd', 'hooks-backend', 'hooks-client'];
export interface Clause { id: string; level: Level; protocol: string; endpoint: Endpoint; text: string }

const PROTOCOLS: Record<string, string> = { S: 'stomp', O: 'oam', H: 'hooks', W: 'websocketd' };

const TABLE: Array<[string, Level, string]> = [
  ["S-1", 'MUST', "CONNECT with `accept-version:1.2` and `host` is answered by CONNECTED carrying `version:1.2`. `STOMP` is accepted as a synonym of CONNECT."],
  ["S-2", 'MUST', "No common version (e.g. `accept-version:9.9`) → ERROR carrying a `version` header listing supported versions, then the server closes."],
  ["S-3", 'MUST', "Frame grammar: command EOL, headers `name:value` EOL, blank line, body, NUL. EOL is LF or CRLF, and the server accepts both on every line. Any number of EOLs may follow a NUL (heart-beats)."],
  ["S-4", 'MUST', "`content-length` counts octets of the body (UTF-8 bytes, not characters), excluding the NUL. When present, exactly that many octets are read, NULs included, and a NUL must follow. When a server frame carries `content-length`, it is correct. Spec level SHOULD: SEND, MESSAGE and ERROR frames with a body include a `content-length` (cases asserting only presence are SHOULD; for OAM responses the WCS contract makes it MUST: O-4, seed 000 shows 100 and 159 octets)."],
  ["S-5", 'MUST', "Header escaping in every frame but CONNECT/CONNECTED: `\\r` `\\n` `\\c` `\\\\` decode to CR, LF, `:`, `\\`; no nested decoding (`\\\\r` is backslash + `r`); any other escape is a fatal error. Header values are never trimmed."],
  ["S-6", 'SHOULD', "A repeated header: the first occurrence is the value."],
  ["S-7", 'MUST', "SUBSCRIBE needs `destination` and `id`; MESSAGE carries `destination`, a `message-id` unique within the session, and `subscription` equal to the SUBSCRIBE `id`."],
  ["S-8", 'MUST', "A client frame with a `receipt` header is answered by RECEIPT with the same value in `receipt-id`; DISCONNECT with `receipt` → RECEIPT, then close."],
  ["S-9", 'MUST', "A frame the server cannot process (malformed, unknown command, missing mandatory header, bad or mismatching content-length, undefined escape) → ERROR (with a `message` header, SHOULD) and the server closes the connection just after. Never a silent hang, never a crash that takes other sessions down."],
  ["S-10", 'MUST', "Heart-beating: CONNECTED `heart-beat` follows the negotiation rule (`max` of the two sides, 0 disables); the server sends an EOL at least every negotiated interval; client EOLs between frames are accepted."],
  ["S-11", 'SHOULD', "Size limits (header count, header line length, body size), when exceeded → ERROR then close."],
  ["S-12", 'INFO', "WebSocket framing (the STOMP 1.2 spec says nothing about WebSocket messages): subprotocols `v10.stomp`/`v11.stomp`/`v12.stomp`; one frame per message, a frame split over messages, several frames in one message; text vs binary messages. A target declares its framing (`stream`: frames may span or share messages; `frame-per-message`: each message is exactly one frame, as ActiveMQ Classic does); cases of other clauses send whole frames, so that they judge their own clause under either framing."],
  ["S-13", 'MUST', "A session's frames never reach another session (isolation), and one client's protocol error does not disturb other sessions."],
  ["S-14", 'MUST', "Acknowledgement (spec: SUBSCRIBE `ack`, ACK, NACK, MESSAGE): `ack` is `auto` (default), `client` or `client-individual`. With `client`/`client-individual` every MESSAGE carries an `ack` header, and ACK/NACK name it in `id`. An ACK in `client` mode is cumulative (it acknowledges every earlier message of that subscription); in `client-individual` mode ACK and NACK concern one message only. A NACKed or unacknowledged message is not consumed; what the server does with it (redelivery, dead-letter) is server-specific (INFO). ACK/NACK of an unknown id → ERROR (SHOULD)."],
  ["S-15", 'MUST', "Transactions (spec: BEGIN, COMMIT, ABORT): BEGIN needs `transaction`; SEND, ACK and NACK carrying `transaction` take effect only when COMMIT arrives, and none of them does after ABORT; a transaction begun and not committed is aborted by DISCONNECT or a lost connection; COMMIT/ABORT of an unknown transaction, or BEGIN of one already begun, → ERROR then close. Transaction ids are scoped to the session."],
  ["O-1", 'MUST', "STOMP over secure WebSocket at path `/ws` on `server.port` (default 8090); REST on the same port."],
  ["O-2", 'MUST', "SUBSCRIBE `destination:/alarm` (canonical: every frame example uses `/alarm`; the prose says `/alarms`, recorded as a doc inconsistency) and `destination:/user/service` are accepted."],
  ["O-3", 'MUST', "A request is SEND with `destination` = `/app` + realm, `content-length` = body octets, and a JSON body `{requestId, realm, payload}`."],
  ["O-4", 'MUST', "The response arrives on `/user/service` as MESSAGE with `destination:/user/service`, `content-type:application/json;charset=UTF-8`, `subscription` = the client's sub id, a `message-id`, `content-length` = body octets; body `{requestId, status, reason, payload}` where `status` is an HTTP status number and `reason` its phrase (`SUCCESS` for 200)."],
  ["O-5", 'MUST', "requestId correlation: every request gets exactly one response carrying its own `requestId`; concurrent requests may be answered out of order; a response never reaches another session (user destination)."],
  ["O-6", 'MUST', "Realm catalogue (public docs): `/api/metric/list`, `/api/profile/{create,update,delete,list}`, `/api/rule/{create,update,delete,list}`, `/api/node/{update,delete,list}`, `/api/node_status/list`, `/api/stream/{list,metrics,history}`, `/api/alarm/{create,update}`. Payload shapes are in `schemas/`. Ids go in as strings and come back as numbers."],
  ["O-7", 'MUST', "Errors: an unknown id → 400 (older docs: 404) `Object not found`; a persistence failure (e.g. a duplicate unique name) → 500 `Persist exception`; an unknown realm or malformed body → a non-200 response that still carries the `requestId` when one could be read."],
  ["O-8", 'MUST', "REST: `POST https://host:8090/api/...` with a JSON body (the STOMP `payload`) → `{status, reason, payload}` (current docs; older docs show a bare array: inconsistency)."],
  ["O-9", 'SHOULD', "CORS: with `access_control_allow_origin=*` the REST responses carry `Access-Control-Allow-Origin` accordingly and preflight OPTIONS is answered."],
  ["O-10", 'SHOULD', "`stomp_max_timeout` (ms, example 1000): a WebSocket that does not complete the STOMP CONNECT within it is closed (our reading of \"websocket connection timeout\"; mark as inferred)."],
  ["O-11", 'INFO', "Alarms: `/api/alarm/create` `{type, name, value, metric, node, time}`, type ∈ {0,1,2,4,5}; a triggered alarm is pushed as MESSAGE on `/alarm` (payload not documented: the reference server defines one and says so). Real-time metrics: SUBSCRIBE `/stream/<node>/<mediaId>` → MESSAGE arrays of samples with `timestamp`."],
  ["H-1", 'MUST', "A hook is `POST <app url>/<method>`, `Content-Type: application/json` (charset allowed), a JSON object body that carries `nodeId`, `appKey`, `sessionId`."],
  ["H-2", 'MUST', "The backend answers 200 with a JSON body (`Content-Type: application/json`). For `connect` the body echoes the request, optionally with `restClientConfig`; events (type 3, e.g. `StreamStatusEvent`, body as in seed 003) are accepted and may be echoed."],
  ["H-3", 'SHOULD', "The backend answers within `rest_request_timeout` (default 15 s; the docs recommend 1–10 s or 1–60 s: inconsistency between seeds 001 and 002)."],
  ["H-4", 'MUST', "`restClientConfig`, when returned, maps method names to `{clientExclude, restExclude, restOnError: LOG\\|FAIL, restPolicy: NOTIFY\\|OVERWRITE\\|DISABLE, restOverwrite}` (older docs spell `DISABLED`)."],
  ["H-5", 'MUST', "A refusal is a non-200 status; a body of exactly `{status, reason}` sets the reason shown to the client, anything else falls back to the status-line reason."],
  ["H-6", 'SHOULD', "With `rest_hook_send_hash=true` the request carries `Authorization: WCS <hex HMAC-MD5 of the body with rest_hook_secret_key>`, and a backend that checks it answers 403 on mismatch."],
  ["H-10", 'MUST', "`rest_request_timeout` (s): a backend that sends nothing for longer than the timeout makes the client give up at about the timeout after its last octet, with one delivery (a read timeout is not retried); the error is then handled per `restOnError`. As in Apache HttpClient 4 (socket timeout), the timeout is one of inactivity, not a deadline: a backend that keeps sending within the timeout is waited for (which one a client applies is recorded, INFO)."],
  ["H-11", 'MUST', "`rest_request_timeout=0` disables the timeout: the client waits for a late answer."],
  ["H-12", 'MUST', "`rest_client_request_retry_count` (default 3): when a fully sent request gets no response at all (the backend closes or resets the connection after reading it), the same body is delivered again at once, up to 1 + count deliveries in all. A failure after the response head has arrived (a half answer) is not retried; a retry on a pooled keep-alive connection that the backend had closed is an attempt, not a delivery."],
  ["H-13", 'MUST', "`rest_client_request_sent_retry_enabled=false`: a fully sent request that got no response is not retried: one delivery, the failure logged at once (HttpClient 4: `NoHttpResponseException: <host:port> failed to respond`). A request whose sending failed part-way is still retried (it was not sent)."],
  ["H-14", 'MUST', "`disable_rest_requests=true`: no hook is sent at all."],
  ["H-15", 'MUST', "Events: by default a non-200 answer to an event (`StreamStatusEvent`) is ignored; with `restOnError: FAIL` for that method the client additionally receives an error event (`ErrorEvent`) (seed 003)."],
  ["H-16", 'SHOULD', "HTTP statuses are answers, not send failures: a 4xx/5xx is never retried. Connection refused is not retried either (the setting names match Apache HttpClient 4's `DefaultHttpRequestRetryHandler(retryCount, requestSentRetryEnabled)`, checked against HttpClient 4.5.14: timeouts, refused connections, unknown hosts, no route, TLS failures and errors while reading a response are never retried; a POST not fully sent is retried whatever the flag; a fully sent POST that got no answer is retried only when sent-retry is on)."],
  ["W-1", 'MUST', "Encrypted WebSocket, default port 9502; the token is the `token` query parameter (`wss://host:9502/?token=ID`)."],
  ["W-2", 'MUST', "After connection and authentication the first server message is `{\"op\":\"init\",\"code\":0,\"msg\":\"\"}`."],
  ["W-3", 'MUST', "No token → the server closes with 4001."],
  ["W-4", 'MUST', "Invalid or expired token, or a token without the `websocketd` ACL → close 4002."],
  ["W-5", 'MUST', "The token expires (or is deleted) during the connection → close 4003. The documentation gives no delay: the current server finds expiry and revocation by polling wazo-auth (by default scheduled from the token's expiry; or every `auth_check_static_interval` s), so a case waits for the bound that follows from the target's declared token-check setting and the token's lifetime."],
  ["W-6", 'MUST', "Protocol error → close 4004: a frame that is not valid JSON, an unknown operation, a missing mandatory argument (`op`; `data` or `data.event_name` for subscribe)."],
  ["W-7", 'MUST', "Client messages are `{\"op\":…,\"data\":…}`; `subscribe` → `{\"op\":\"subscribe\",\"code\":0,\"msg\":\"\"}`; `start` → `{\"op\":\"start\",\"code\":0,\"msg\":\"\"}`. Before `start`, server messages always have exactly the keys `op`, `code`, `msg`; `msg` is empty when `code` is 0."],
  ["W-8", 'MUST', "Nothing from the bus is forwarded before `start`; after it, every message is a bus message body, unchanged."],
  ["W-9", 'MUST', "`subscribe` after `start` gets no response, but takes effect."],
  ["W-10", 'MUST', "Event name matching: subscribed names only; `*` matches every event."],
  ["W-11", 'MUST', "ACL: `required_acl` missing → no client receives the event; `null` → every subscribed client; a string → only clients whose token ACL matches it. No check at subscribe time."],
  ["W-12", 'INFO', "Newer server versions (changelog): `?version=2` (every command answered, events wrapped as `{\"op\":\"event\",\"code\":0,\"data\":…}`), the `token` op to renew a token (`{\"op\":\"token\",\"data\":{\"token\":…}}`), and `ping` → `pong` with the same payload. Replies in these versions carry `data` instead of `msg`. Cover as profile `wazo-v2`, separate from the documented profile. Current servers: `ping` is `{\"op\":\"ping\",\"data\":{\"payload\":\"<string>\"}}` → `{\"op\":\"pong\",\"code\":0,\"data\":{\"payload\":…}}` (a missing or non-string payload is a protocol error, 4004)."],
];

export const CLAUSES: ReadonlyMap<string, Clause> = new Map(
  TABLE.map(([id, level, text]) => [id, { id, level, protocol: PROTOCOLS[id[0]], endpoint: endpointOf(id), text }]),
);

function endpointOf(id: string): Endpoint {
  const protocol = PROTOCOLS[id[0]];
  if (protocol !== 'hooks') return protocol as Endpoint;
  return Number(id.slice(2)) >= 10 ? 'hooks-client' : 'hooks-backend';
}

export function clause(id: string): Clause {
  const c = CLAUSES.get(id);
  if (!c) throw new Error(`unknown clause ${id}: not in CONTRACTS.md`);
  return c;
}
