import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Baseline } from '../../src/report/baseline.ts';
import { reachable } from '../../src/transport/reachable.ts';
import { ROOT, runWithSummary, tmp } from '../run-cli.ts';

/**
 * The suites against a STOMP server nobody here wrote: RabbitMQ 3.10 web-stomp (scripts/rabbitmq.sh start, which
 * .ci/run calls), judged by its committed baseline: its known deviations are listed there with their reasons.
 */
const BASELINE = join(ROOT, 'fixtures/baselines/rabbitmq-3.10.yaml');
const URL_ = 'ws://127.0.0.1:15674/ws';

const up = (await reachable(URL_, 2000)) === undefined;
if (!up && process.env.CI) throw new Error('RabbitMQ web-stomp is not listening on 127.0.0.1:15674: .ci/run must run scripts/rabbitmq.sh start');

const run = (args: string[]) => runWithSummary(['run', '--stomp-url', URL_, ...args]);

/** The committed baseline, changed by `edit`, written to a temporary file. */
function variant(edit: (b: Baseline) => void): string {
  const b = parse(readFileSync(BASELINE, 'utf8')) as Baseline;
  edit(b);
  const file = join(tmp('rtc-baseline-'), 'baseline.yaml');
  writeFileSync(file, stringify(b));
  return file;
}

describe.skipIf(!up)('RabbitMQ 3.10 web-stomp against its baseline', () => {
  test('the README command (all suites, the stomp suite against RabbitMQ) exits 0 with the committed baseline', async () => {
    const { code, summary } = await run(['--baseline', BASELINE, '--no-html']);
    expect(summary.baseline).toMatchObject({ unlisted: [], stale: [], expired: [] });
    expect(summary.baseline!.known.length).toBeGreaterThanOrEqual(15);
    expect(summary.byProtocol.stomp.failed).toBe(summary.baseline!.known.length);
    expect(summary.totals.broken).toBe(0);
    for (const c of summary.cases.filter((x) => x.verdict === 'failed')) expect(c.message).toMatch(/Expected: .*\nActual: {3}\S/);
    expect(code).toBe(0);
  }, 240_000);

  test('with one entry removed the failure is new: exit 1; a stale entry and an expired entry: exit 1', async () => {
    const removed = 'S-8.5';
    const [missing, stale, expired] = await Promise.all([
      run(['--suite', 'stomp', '--no-html', '--baseline', variant((b) => (b.deviations = b.deviations.filter((d) => d.id !== removed)))]),
      // S-3.1 (LF line endings) is a case RabbitMQ passes.
      run(['--suite', 'stomp', '--no-html', '--baseline', variant((b) => b.deviations.push({ id: 'S-3.1', reason: 'was broken once', owner: 'qa' }))]),
      run(['--suite', 'stomp', '--no-html', '--baseline', variant((b) => (b.deviations.find((d) => d.id === 'S-7.1')!.expires = '2020-01-31'))]),
    ]);
    expect(missing.summary.baseline).toMatchObject({ unlisted: [removed], stale: [], expired: [] });
    expect(missing.stdout).toContain(`NEW     ${removed}`);
    expect(missing.code).toBe(1);
    expect(stale.summary.baseline).toMatchObject({ unlisted: [], stale: ['S-3.1'], expired: [] });
    expect(stale.stdout).toContain('STALE   S-3.1: passes now');
    expect(stale.code).toBe(1);
    expect(expired.summary.baseline).toMatchObject({ unlisted: [], stale: [], expired: ['S-7.1'] });
    expect(expired.stdout).toContain('EXPIRED S-7.1: the entry lapsed on 2020-01-31');
    expect(expired.code).toBe(1);
  }, 240_000);

  test('STOMP over TCP (port 61613, the same broker): the stomp suite exits 0 with the same baseline, 0 broken', async () => {
    const tcp = 'stomp://127.0.0.1:61613';
    if ((await reachable('http://127.0.0.1:61613', 2000)) !== undefined) {
      if (process.env.CI) throw new Error('RabbitMQ STOMP is not listening on 127.0.0.1:61613 (rabbitmq_stomp): scripts/rabbitmq.sh start');
      return;
    }
    const { code, summary } = await runWithSummary(['run', '--stomp-url', tcp, '--suite', 'stomp', '--baseline', BASELINE, '--no-html']);
    expect(summary.baseline).toMatchObject({ unlisted: [], stale: [], expired: [] });
    // The websocket-only entry (S-8.5: web-stomp closes before the DISCONNECT receipt) is not judged over TCP: it passes there.
    expect(summary.cases.find((c) => c.id === 'S-8.5')?.verdict).toBe('passed');
    expect(summary.baseline!.known).not.toContain('S-8.5');
    expect(summary.totals.broken).toBe(0);
    for (const c of summary.cases.filter((x) => x.clause === 'S-12')) expect(c.verdict).toBe('skipped');
    const info = Object.fromEntries(summary.cases.filter((x) => x.verdict === 'info').map((x) => [x.id, x.measurements ?? {}]));
    expect(info['S-14.8'].fate).toBe('redelivered to the same subscription');
    expect(code).toBe(0);
  }, 240_000);

  test('the fuzz suite finds the content-length defect (close 1011 instead of ERROR) and shrinks it', async () => {
    const { summary } = await run(['--suite', 'fuzz', '--grep', 'S-9\\.F2 ', '--fuzz-runs', '200', '--no-html']);
    const c = summary.cases.find((x) => x.id === 'S-9.F2')!;
    expect(c.verdict).toBe('failed');
    expect(c.message).toMatch(/Actual: {3}no ERROR frame; the connection was closed with code 1011 by the server/);
    expect(c.message).toMatch(/counterexample \(\d+ octets, after \d+ shrinks\): SEND↵destination:\S+↵content-length:/);
    // The shrunk frame: SEND, the destination, a content-length line, the blank line, NUL.
    expect(Number(c.measurements!['counterexample octets'])).toBeLessThan(70);
  }, 120_000);
});

