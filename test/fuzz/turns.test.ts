import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CaseContext, ConformanceFailure } from '../../src/case.ts';
import { DEFAULT_FUZZ, runFuzz, type FuzzProperty } from '../../src/fuzz/property.ts';
import type { ResolvedTarget } from '../../src/target/target.ts';

/**
 * Issue 15: a property that builds very large inputs (S-11.F1 against a broker declaring a 100 MiB body limit) blocks
 * the event loop while it does. Another property of the same process must not see its target "hang" meanwhile.
 */
const context = (id: string) => new CaseContext({ id, title: id, expected: '', clause: id.replace(/\.[^.]*$/, ''), level: 'MUST' }, {} as ResolvedTarget);
const settings = { ...DEFAULT_FUZZ, runs: 6, timeMs: 30_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds its input synchronously for `buildMs` (as `'b'.repeat(100 MiB)` does), then writes it; the target answers at once. */
function builder(large: boolean, buildMs: number): FuzzProperty<number> {
  return {
    arbitrary: fc.nat(),
    perRunMs: 500,
    deadlineFromWrite: true,
    large,
    show: (v) => ({ text: String(v), octets: 1 }),
    async check(_v, _record, written) {
      await sleep(1);
      const until = Date.now() + buildMs;
      while (Date.now() < until); // the harness's own work: the event loop is blocked
      written?.();
      await sleep(5);
      return undefined;
    },
  };
}

/** A loopback echo server: the small property's target, answering through real I/O as a broker does. */
let echo: Server;
let socket: Socket;
beforeAll(async () => {
  // Answers 20 ms later: within that time the large property's next build has begun (its gaps are a few ms).
  echo = createServer((s) => s.on('data', (d) => setTimeout(() => s.write(d), 20)));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  socket = connect((echo.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
});
afterAll(() => {
  socket?.destroy();
  echo?.close();
});

/** A small property whose target answers every input within 20 ms (an echo over loopback). */
const prompt: FuzzProperty<number> = {
  arbitrary: fc.nat(),
  perRunMs: 300,
  deadlineFromWrite: true,
  show: (v) => ({ text: String(v), octets: 1 }),
  async check(v, _record, written) {
    const answered = new Promise((r) => socket.once('data', r));
    socket.write(`${v}\n`);
    written?.();
    await answered;
    return undefined;
  },
};

async function side(largeDeclared: boolean): Promise<{ large: unknown; small: unknown }> {
  const [large, small] = await Promise.allSettled([
    runFuzz(context('S-11.F9'), 1, settings, builder(largeDeclared, 700)),
    (async () => {
      await sleep(20);
      return runFuzz(context('S-9.F9'), 1, { ...settings, runs: 40 }, prompt);
    })(),
  ]);
  return { large: large.status === 'rejected' ? large.reason : undefined, small: small.status === 'rejected' ? small.reason : undefined };
}

describe('a property building very large inputs', () => {
  test('runs alone: the other property of the process does not see its target hang', async () => {
    const { large, small } = await side(true);
    expect(large).toBeUndefined();
    expect(small).toBeUndefined();
  }, 60_000);

  test('positive control: run beside it (not declared large), the other property reports a false hang', async () => {
    const { small } = await side(false);
    expect(small).toBeInstanceOf(ConformanceFailure);
    expect((small as Error).message).toMatch(/the target did not answer: a hang/);
  }, 60_000);

  test("its own deadline counts from the input's being written, not from the harness's work before it", async () => {
    const c = context('S-11.F8');
    await expect(runFuzz(c, 1, { ...settings, runs: 3 }, builder(true, 700))).resolves.toBeUndefined();
    expect(c.measurements['inputs tried']).toBe('3');
  }, 60_000);
});
