import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reachable } from '../../src/transport/reachable.ts';
import { ROOT, runWithSummary } from '../run-cli.ts';

/**
 * The stomp suite over TCP against a second STOMP broker nobody here wrote: ActiveMQ Classic 5.17 from Debian
 * (scripts/activemq.sh start, which .ci/run calls; its only listener is STOMP on 127.0.0.1:61614), judged by its
 * committed baseline.
 */
const BASELINE = join(ROOT, 'fixtures/baselines/activemq-5.17.yaml');
const URL_ = 'stomp://127.0.0.1:61614';

const up = (await reachable('http://127.0.0.1:61614', 2000)) === undefined;
if (!up && process.env.CI) throw new Error('ActiveMQ is not listening on 127.0.0.1:61614: .ci/run must run scripts/activemq.sh start');

describe.skipIf(!up)('ActiveMQ Classic 5.17 (STOMP over TCP) against its baseline', () => {
  test('the stomp suite over TCP exits 0 with the committed baseline, 0 broken; S-12 skipped; S-14 and S-15 ran', async () => {
    const { code, summary, stdout } = await runWithSummary(['run', '--stomp-url', URL_, '--suite', 'stomp', '--baseline', BASELINE, '--no-html']);
    expect(summary.baseline).toMatchObject({ unlisted: [], stale: [], expired: [] });
    expect(summary.baseline!.known.length + summary.baseline!.intermittent.length).toBeGreaterThanOrEqual(18);
    expect(summary.totals.broken).toBe(0);
    // Every failure is a known one (known entries also cover SHOULD cases that come out non-strict).
    expect(summary.cases.filter((x) => x.verdict === 'failed').map((x) => x.id).filter((id) => !summary.baseline!.known.includes(id))).toEqual([]);
    for (const c of summary.cases.filter((x) => x.clause === 'S-12')) expect(c.verdict).toBe('skipped');
    const ackAndTx = summary.cases.filter((x) => x.clause === 'S-14' || x.clause === 'S-15');
    expect(ackAndTx.length).toBeGreaterThanOrEqual(20);
    expect(ackAndTx.filter((x) => x.verdict === 'skipped')).toEqual([]);
    // What the spec leaves to the server, as ActiveMQ does it.
    const info = Object.fromEntries(summary.cases.filter((x) => x.verdict === 'info').map((x) => [x.id, x.measurements ?? {}]));
    expect(info['S-14.4']['redelivered to the next consumer']).toBe('yes');
    expect(info['S-14.8'].fate).toBe('not redelivered (discarded or dead-lettered)');
    expect(stdout).toContain('against stomp://127.0.0.1:61614');
    expect(code).toBe(0);
  }, 240_000);
});
