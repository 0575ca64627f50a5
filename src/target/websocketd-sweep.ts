import { afterAll } from 'vitest';
import { revokeLeftoverTokens } from './wazo-control.ts';

/**
 * A setup file of the suites (vitest.config.ts): after each test file, every websocketd token issued in this worker
 * and still live is revoked, so that a run leaves none even when a case's own cleanup did not run (an interrupt) or
 * failed (wazo-auth briefly unreachable).
 */
afterAll(async () => {
  await revokeLeftoverTokens();
}, 30_000);
