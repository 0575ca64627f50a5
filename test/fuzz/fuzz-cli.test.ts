import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REFERENCE_LIMITS, startOamServer } from '../../mocks/oam/server.ts';
import { runWithSummary, tmp } from '../run-cli.ts';

/** The fuzz suite end to end: a clean pass at 1,000 inputs, a quirk caught and shrunk, the replay command, regressions. */
const run = (args: string[]) => runWithSummary([...args, '--no-html']);

/** Splits a printed shell command line (words, single-quoted words). */
function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
}

describe('rtc-conformance run --suite fuzz', () => {
  test('against the reference servers, 1,000 inputs per property: every fuzz case passes', async () => {
    const { code, stdout, summary } = await run(['run', '--suite', 'fuzz', '--fuzz-runs', '1000', '--seed', '1']);
    expect(code, stdout).toBe(0);
    const generated = summary.cases.filter((c) => /\.F\d+$/.test(c.id));
    expect(generated.length).toBeGreaterThanOrEqual(8);
    // S-12.F1 is INFO (STOMP 1.2 says nothing about WebSocket messages): recorded, with no deviation.
    for (const c of generated) expect([c.id, c.verdict, c.measurements?.['inputs tried'], c.message]).toEqual([c.id, c.clause === 'S-12' ? 'info' : 'passed', '1000', undefined]);
    expect(summary.cases.filter((c) => /\.R\d+$/.test(c.id)).length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  test('a quirk that decodes escaped headers twice: S-5.F1 fails, shrinks under 60 octets, and the replay command reproduces it', async () => {
    const first = await run(['run', '--suite', 'fuzz', '--grep', 'S-5\\.F1 ', '--quirk', 'stomp.nested-escape-decoding', '--fuzz-runs', '1000', '--seed', '7']);
    expect(first.code).toBe(1);
    const c = first.summary.cases.find((x) => x.id === 'S-5.F1')!;
    expect(c.verdict).toBe('failed');
    expect(Number(c.measurements!['counterexample octets'])).toBeLessThan(60);
    expect(c.message).toMatch(/Actual: {3}header .* instead of /);
    const line = /replay: (npx rtc-conformance run .*)/.exec(first.stdout)![1];
    expect(line).toContain('--quirk stomp.nested-escape-decoding');
    const [, , ...args] = words(line);
    const again = await run(args);
    expect(again.code).toBe(1);
    const replayed = again.summary.cases.find((x) => x.id === 'S-5.F1')!;
    expect(replayed.measurements!['inputs tried']).toBe('1');
    expect(replayed.message!.split('\n').slice(-2)).toEqual(c.message!.split('\n').slice(-2));
    // Byte-exact: the same input, destination included (derived from the seed and the case id).
    const bytes = (m: string) => /^counterexample \(\d+ octets, after \d+ shrinks\): (.*)$/m.exec(m)![1];
    expect(bytes(replayed.message!)).toBe(bytes(c.message!));
    // The same replay without the fault: the input passes, and the case says so instead of reporting another input.
    const clean = await run(args.filter((a, i) => a !== '--quirk' && args[i - 1] !== '--quirk'));
    const quiet = clean.summary.cases.find((x) => x.id === 'S-5.F1')!;
    expect(quiet.verdict).toBe('broken');
    expect(quiet.message).toMatch(/did not reproduce: flaky or timing/);
    expect(quiet.measurements!['inputs tried']).toBe('1');
  }, 240_000);

  test('a one-frame-per-message broker declared as such, 1,000 inputs per property: every property tries all its inputs and passes; S-12.F1 is skipped', async () => {
    const server = await startOamServer({ tls: false, quirks: new Set(['stomp.frame-per-message']) });
    try {
      const file = join(tmp('rtc-fuzz-target-'), 'target.json');
      const limits = { ...REFERENCE_LIMITS, maxMessageBytes: server.maxMessageBytes };
      writeFileSync(file, JSON.stringify({ name: 'frame-per-message', stomp: { url: server.stompUrl, framing: 'frame-per-message', limits, timeouts: { responseMs: 1000, closeMs: 1000, quietMs: 150 } } }));
      const { code, stdout, summary } = await run(['run', '--target', file, '--suite', 'fuzz', '--fuzz-runs', '1000', '--seed', '3']);
      const generated = summary.cases.filter((x) => /\.F\d+$/.test(x.id));
      expect(generated.filter((x) => x.verdict !== 'skipped').map((x) => [x.id, x.verdict, x.measurements?.['inputs tried']])).toEqual(
        generated.filter((x) => x.id !== 'S-12.F1').map((x) => [x.id, 'passed', '1000']),
      );
      expect(summary.cases.find((x) => x.id === 'S-12.F1')).toMatchObject({ verdict: 'skipped', message: expect.stringMatching(/frame-per-message/) });
      expect(code, stdout).toBe(0);
    } finally {
      await server.close();
    }
  }, 400_000);

  test('a saved counterexample is a regression case: it fails with its fault and passes without', async () => {
    const withFault = await run(['run', '--suite', 'fuzz', '--grep', 'S-5\\.R1 ', '--quirk', 'stomp.nested-escape-decoding']);
    expect(withFault.summary.cases.map((x) => [x.id, x.verdict])).toEqual([['S-5.R1', 'failed']]);
    const clean = await run(['run', '--suite', 'fuzz', '--grep', 'S-5\\.R1 ']);
    expect(clean.summary.cases.map((x) => [x.id, x.verdict])).toEqual([['S-5.R1', 'passed']]);
  }, 120_000);
});
