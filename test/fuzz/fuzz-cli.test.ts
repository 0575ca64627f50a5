import { describe, expect, test } from 'vitest';
import { runWithSummary } from '../run-cli.ts';

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
    for (const c of generated) expect([c.id, c.verdict, c.measurements?.['inputs tried']]).toEqual([c.id, 'passed', '1000']);
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
  }, 180_000);

  test('a saved counterexample is a regression case: it fails with its fault and passes without', async () => {
    const withFault = await run(['run', '--suite', 'fuzz', '--grep', 'S-5\\.R1 ', '--quirk', 'stomp.nested-escape-decoding']);
    expect(withFault.summary.cases.map((x) => [x.id, x.verdict])).toEqual([['S-5.R1', 'failed']]);
    const clean = await run(['run', '--suite', 'fuzz', '--grep', 'S-5\\.R1 ']);
    expect(clean.summary.cases.map((x) => [x.id, x.verdict])).toEqual([['S-5.R1', 'passed']]);
  }, 120_000);
});
