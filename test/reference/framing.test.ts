import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { runWithSummary, tmp } from '../run-cli.ts';

/**
 * Issue 15: a broker that takes each WebSocket message as exactly one frame (ActiveMQ Classic; the reference with
 * quirk stomp.frame-per-message). Declared as such, no MUST case fails; declared `stream`, only S-12 cases record it.
 */
let server: RunningOamServer;
const target = (framing: string) => {
  const file = join(tmp('rtc-framing-'), 'target.json');
  writeFileSync(file, JSON.stringify({ name: `frame-per-message broker, declared ${framing}`, stomp: { url: server.stompUrl, framing, timeouts: { responseMs: 1000, closeMs: 1000, quietMs: 150 } } }));
  return file;
};

beforeAll(async () => {
  server = await startOamServer({ quirks: new Set(['stomp.frame-per-message']) });
});
afterAll(() => server?.close());

const SPLIT_CASES = ['S-11.4', 'S-12.3', 'S-12.4', 'S-12.8', 'S-12.9', 'S-12.10'];

describe('a frame-per-message broker', () => {
  test('declared frame-per-message: no case fails or is broken; the split and batch cases are skipped saying why', async () => {
    const { summary, code } = await runWithSummary(['run', '--target', target('frame-per-message'), '--suite', 'stomp', '--no-html', '--seed', '1']);
    const bad = summary.cases.filter((c) => ['failed', 'broken', 'non-strict'].includes(c.verdict)).map((c) => `${c.id} ${c.verdict}: ${c.message}`);
    expect(bad).toEqual([]);
    const deviations = summary.cases.filter((c) => c.verdict === 'info' && c.message).map((c) => c.id);
    expect(deviations).toEqual([]);
    const skipped = summary.cases.filter((c) => c.verdict === 'skipped' && /frame-per-message/.test(c.message ?? '')).map((c) => c.id);
    // S-11.4 is skipped only because the reference declares a body limit, i.e. when the limit is declared; here it is not.
    expect(skipped.sort()).toEqual(SPLIT_CASES.filter((id) => id !== 'S-11.4').sort());
    expect(code).toBe(0);
  }, 120_000);

  test('declared stream: only S-12 cases record a deviation, nothing fails', async () => {
    const { summary, code } = await runWithSummary(['run', '--target', target('stream'), '--suite', 'stomp', '--no-html', '--seed', '1']);
    expect(summary.cases.filter((c) => ['failed', 'broken'].includes(c.verdict)).map((c) => `${c.id} ${c.verdict}: ${c.message}`)).toEqual([]);
    const moved = summary.cases.filter((c) => c.message && c.verdict !== 'skipped').map((c) => c.id);
    expect(moved.every((id) => id.startsWith('S-12.')), moved.join(' ')).toBe(true);
    expect(moved).toEqual(expect.arrayContaining(['S-12.3', 'S-12.4', 'S-12.8', 'S-12.9']));
    expect(code).toBe(0);
  }, 120_000);
});
