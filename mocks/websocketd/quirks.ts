import type { QuirkSpec } from '../quirk-spec.ts';

/** wazo-current's documented deviations fail W-7 (replies carry data, not msg): collateral of every quirk run with it. */
const CURRENT: Pick<QuirkSpec, 'profile' | 'collateral'> = { profile: 'wazo-current', collateral: { clauses: ['W-7'], reason: 'the wazo-current profile replies with data instead of msg (its documented deviation, fixtures/baselines/wazo-current.yaml)' } };

/** Fault switches of the Wazo websocketd reference (mocks/websocketd/). */
export const WEBSOCKETD_QUIRKS = {
  'websocketd.plain-ws': { clause: 'W-1', breaks: 'the service is served over plain ws:// instead of wss (the target URL says ws://)' },
  'websocketd.reply-before-init': { clause: 'W-2', breaks: 'init is sent late: a command the client sends at once is answered before init' },
  'websocketd.4002-instead-of-4001': { clause: 'W-3', breaks: 'a connection without token is closed with 4002 instead of 4001' },
  'websocketd.websocketd-acl-not-required': { clause: 'W-4', breaks: 'a valid token without the websocketd ACL is accepted' },
  'websocketd.expired-token-4003': { clause: 'W-4', breaks: 'connecting with an expired token is closed with 4003 instead of 4002' },
  'websocketd.no-expiry-check': { clause: 'W-5', breaks: 'tokens are not re-checked while connected: expiry or deletion never closes with 4003' },
  'websocketd.unknown-op-ignored': { clause: 'W-6', breaks: 'an unknown operation is silently ignored instead of closing with 4004' },
  'websocketd.msg-missing': { clause: 'W-7', breaks: 'replies before start omit the msg key' },
  'websocketd.forward-before-start': { clause: 'W-8', breaks: 'bus events are forwarded before the client sent start' },
  'websocketd.subscribe-after-start-answered': { clause: 'W-9', breaks: 'a subscribe after start is answered with {"op": "subscribe", …}' },
  'websocketd.prefix-match': { clause: 'W-10', breaks: 'event names match by prefix: subscribed to "X", "X_more" is delivered too' },
  'websocketd.star-ignored': { clause: 'W-10', breaks: 'a subscription to * matches nothing (only exact names are delivered)' },
  'websocketd.ignore-required-acl': { clause: 'W-11', breaks: 'events go to every subscriber, whatever their required_acl' },
  // The wazo-current profile (the current server: polling token checks, headers routing, the real ping shape).
  'websocketd.current-ping-unchecked': { clause: 'W-6', breaks: 'wazo-current: a ping whose data has no string payload is answered with pong instead of closing with 4004', ...CURRENT },
  'websocketd.current-revocation-unseen': {
    clause: 'W-5',
    breaks: 'wazo-current: the token check looks at the expiry only: a revoked token stays connected until it expires',
    ...CURRENT,
    collateral: { clauses: ['W-7', 'W-12'], reason: `${CURRENT.collateral!.reason}; W-12.4 (INFO) revokes the renewed token and records the 4003 that does not come` },
  },
  'websocketd.current-slow-check': {
    clause: 'W-5',
    breaks: 'wazo-current: tokens are checked 6 times less often than the declared token-check setting says',
    ...CURRENT,
    collateral: { clauses: ['W-7', 'W-12'], reason: `${CURRENT.collateral!.reason}; W-12.4 (INFO) waits for the 4003 of its revoked renewed token within the declared check's bound` },
  },
} as const satisfies Record<string, QuirkSpec>;
