import type { QuirkSpec } from '../quirk-spec.ts';

/** Fault switches of the Wazo websocketd reference (mocks/websocketd/). */
export const WEBSOCKETD_QUIRKS = {
  'websocketd.4002-instead-of-4001': { clause: 'W-3', breaks: 'a connection without token is closed with 4002 instead of 4001' },
  'websocketd.msg-missing': { clause: 'W-7', breaks: 'replies before start omit the msg key' },
  'websocketd.forward-before-start': { clause: 'W-8', breaks: 'bus events are forwarded before the client sent start' },
  'websocketd.ignore-required-acl': { clause: 'W-11', breaks: 'events go to every subscriber, whatever their required_acl' },
} as const satisfies Record<string, QuirkSpec>;
