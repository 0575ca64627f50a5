import { expect, test } from 'vitest';
import { runWithSummary } from '../run-cli.ts';

/**
 * Issue 14, acceptance: `run --suite websocketd --profile wazo-current --baseline fixtures/baselines/wazo-current.yaml`
 * exits 0: the only failures are the baseline's documented deviations, nothing is broken, and only W-1.3 (the port:
 * the reference runs on a free one) is skipped.
 */
test('the reference profile wazo-current against its baseline: exit 0, 0 broken, failures = the baseline', async () => {
  const r = await runWithSummary(['run', '--suite', 'websocketd', '--profile', 'wazo-current', '--baseline', 'fixtures/baselines/wazo-current.yaml', '--seed', '2', '--no-html']);
  const by = (v: string) => r.summary.cases.filter((c) => c.verdict === v).map((c) => c.id).sort();
  expect(r.code, r.out.slice(-3000)).toBe(0);
  expect(by('broken')).toEqual([]);
  expect(by('failed')).toEqual(['W-7.1', 'W-7.2', 'W-7.3']);
  expect(by('skipped')).toEqual(['W-1.3']);
  expect(by('info')).toEqual(['W-12.1', 'W-12.2', 'W-12.3', 'W-12.4', 'W-12.5']);
  expect(r.summary.cases.filter((c) => c.verdict === 'info' && c.message).map((c) => c.id)).toEqual([]);
  expect(r.summary.cases.length).toBeGreaterThanOrEqual(60);
}, 180_000);
