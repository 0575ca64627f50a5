import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CaseContext, ConformanceFailure, HarnessError } from '../../src/case.ts';
import { startFaultBackend, type RunningFaultBackend } from '../../src/hooks/fault-backend.ts';
import { longestStall, watchStalls } from '../../src/lag.ts';
import type { ResolvedTarget } from '../../src/target/target.ts';

/** Blocks this thread, as an overloaded machine or a long synchronous step would. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}
const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

describe('stalls of the harness (src/lag.ts)', () => {
  test('a stall is measured in the window it overlaps, and only there', async () => {
    watchStalls();
    await tick();
    const before = Date.now();
    block(300);
    await tick();
    const after = Date.now();
    expect(longestStall(before, after)).toBeGreaterThanOrEqual(250);
    expect(longestStall(before, after)).toBeLessThan(600);
    await tick(100);
    expect(longestStall(after + 50)).toBeLessThan(150);
  });

  test('checkTiming: passes when in time; fails on a quiet harness; is broken when the harness stalled in the window', async () => {
    const c = new CaseContext({ id: 'H-10.1', title: 't', expected: 'e', clause: 'H-10', level: 'MUST' }, {} as ResolvedTarget);
    await tick();
    const quiet = Date.now();
    expect(() => c.checkTiming(true, 'in time', '0 ms', { toleranceMs: 200 })).not.toThrow();
    expect(() => c.checkTiming(false, 'within 1 s', '1500 ms', { toleranceMs: 200, window: [quiet, Date.now()] })).toThrow(ConformanceFailure);
    const from = Date.now();
    block(250);
    await tick();
    expect(() => c.checkTiming(false, 'within 1 s', '1500 ms', { toleranceMs: 200, window: [from, Date.now()] })).toThrow(
      expect.objectContaining({ name: 'HarnessError', message: expect.stringMatching(/the harness itself stalled for \d+ ms during the case/) }),
    );
    // A harness server's stall (the fault backend's) counts too; a stall outside the window does not.
    expect(() => c.checkTiming(false, 'x', 'y', { toleranceMs: 200, window: [Date.now(), Date.now()], stallsMs: [150] })).toThrow(HarnessError);
    expect(() => c.checkTiming(false, 'x', 'y', { toleranceMs: 200, window: [Date.now(), Date.now()], stallsMs: [50, undefined] })).toThrow(ConformanceFailure);
  });
});

describe('the fault backend reports its own stalls', () => {
  let backend: RunningFaultBackend;
  beforeAll(async () => {
    backend = await startFaultBackend();
  });
  afterAll(() => backend?.close());
  const auth = () => ({ authorization: `Bearer ${backend.controlToken}` });

  test('GET /stall: the longest stall between two instants; a stall before a delivery shows in its stallMs', async () => {
    await tick();
    const quiet = Date.now();
    await tick(100);
    const q = await request(`${backend.controlUrl}/stall?marker=rtc-s&from=${quiet}&to=${Date.now()}`, { headers: auth() });
    expect(q.statusCode).toBe(200);
    // Quiet: no stall anywhere near the one below (a busy machine may still stall a little).
    expect(((await q.body.json()) as { stallMs: number }).stallMs).toBeLessThan(150);
    expect((await request(`${backend.controlUrl}/faults?marker=rtc-s`, { method: 'POST', headers: auth(), body: '{}' })).statusCode).toBe(204);
    const from = Date.now();
    block(300);
    await tick();
    const s = await request(`${backend.controlUrl}/stall?marker=rtc-s&from=${from}&to=${Date.now()}`, { headers: auth() });
    expect(((await s.body.json()) as { stallMs: number }).stallMs).toBeGreaterThanOrEqual(250);
    await (await request(`${backend.appUrl}/connect`, { method: 'POST', body: JSON.stringify({ custom: { rtcCase: 'rtc-s' } }) })).body.text();
    const list = (await (await request(`${backend.controlUrl}/deliveries?marker=rtc-s`, { headers: auth() })).body.json()) as Array<{ stallMs: number }>;
    expect(list).toHaveLength(1);
    expect(list[0].stallMs).toBeGreaterThanOrEqual(250);
    const bad = await request(`${backend.controlUrl}/stall?marker=rtc-s&from=x&to=1`, { headers: auth() });
    expect(bad.statusCode).toBe(400);
    await bad.body.text();
  });

  test('CaseContext.serversStall asks the thread of the harness servers (here: this one) for its stalls, the token redacted', async () => {
    const target = { hooks: { client: { controlUrl: backend.controlUrl, controlToken: backend.controlToken } } } as unknown as ResolvedTarget;
    const c = new CaseContext({ id: 'S-10.2', title: 't', expected: 'e', clause: 'S-10', level: 'MUST' }, target);
    await tick();
    const quiet = Date.now();
    await tick(100);
    expect(await c.serversStall(quiet, Date.now())).toBeLessThan(150);
    const from = Date.now();
    block(300);
    await tick();
    expect(await c.serversStall(from, Date.now())).toBeGreaterThanOrEqual(250);
    const text = c.transcripts.map((t) => t.render()).join('\n');
    expect(text).toContain('/stall?');
    expect(text).not.toContain(backend.controlToken);
    const wrong = new CaseContext(c.meta, { hooks: { client: { controlUrl: backend.controlUrl, controlToken: 'not-the-token' } } } as unknown as ResolvedTarget);
    await expect(wrong.serversStall(from, Date.now())).rejects.toThrow(/did not report their stalls: HTTP 401/);
  });
});
