import type { QuirkSpec } from '../quirk-spec.ts';

/** Fault switches of the reference STOMP 1.2 layer (mocks/oam/stomp-connection.ts, mocks/oam/broker.ts). */
export const STOMP_QUIRKS = {
} as const satisfies Record<string, QuirkSpec>;
