import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, readSummary, tmp } from '../run-cli.ts';

/** The report's embedded files (the single-file Allure report stores each as base64). */
function reportFile(html: string, name: string): string | undefined {
  const m = new RegExp(`d\\("${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}","([A-Za-z0-9+/=]+)"\\)`).exec(html);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
}

describe('run --compare BASE', () => {
  test('prints the diff, writes diff.md and diff.json, marks each changed case in the Allure results and shows "Changed since BASE" in the HTML report', async () => {
    const base = tmp('rtc-cmp-base-');
    const b = await cli(['run', '--suite', 'stomp', '--seed', '1', '--no-html', '--reports', base]);
    expect(b.code, b.out).toBe(0);
    const cand = tmp('rtc-cmp-cand-');
    const r = await cli(['run', '--suite', 'stomp', '--seed', '1', '--quirk', 'stomp.subscribe-without-id', '--compare', base, '--no-html', '--reports', cand], { timeoutMs: 300_000 });
    expect(r.code, r.out).toBe(1);
    expect(r.stdout).toContain(`changed since ${base}:`);
    expect(r.stdout).toMatch(/Regressions \(1\):\n\s+S-7\.1 /);
    const md = readFileSync(join(cand, 'diff.md'), 'utf8');
    expect(md).toContain('| **S-7.1** ');
    const json = JSON.parse(readFileSync(join(cand, 'diff.json'), 'utf8'));
    expect(json.changes[0]).toMatchObject({ id: 'S-7.1', change: 'regression', base: 'passed', candidate: 'failed' });

    const results = join(cand, 'allure-results');
    const files = readdirSync(results).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')));
    const s71 = files.find((f) => f.labels.some((l: { name: string; value: string }) => l.name === 'story' && l.value === 'S-7.1'));
    expect(s71.labels).toEqual(expect.arrayContaining([{ name: 'changed', value: 'regression' }, { name: 'tag', value: 'changed since base' }]));
    expect(s71.description).toMatch(/^\*\*Changed since .*\*\* \(regression\): verdict: passed → failed/);
    const attachment = s71.steps[0].attachments[0];
    expect(attachment.name).toBe(`changed since ${base}`);
    expect(readFileSync(join(results, attachment.source), 'utf8')).toContain('session 1: ERROR message (text): gone (was "SUBSCRIBE is missing the mandatory header id")');
    // Unchanged cases are left alone.
    const marked = files.filter((f) => f.labels.some((l: { name: string }) => l.name === 'changed')).length;
    expect(marked).toBe(json.changes.length);

    expect(readFileSync(join(results, 'environment.properties'), 'utf8')).toContain('changed\\ since\\ base=1 regression');

    // The other way round (the quirk run as BASE), S-7.1 is a fix: a passing case, so the HTML report files it under
    // "Changed since BASE" (a failing one stays under its verdict category, first match wins), and the whole diff is
    // a report-level attachment.
    const back = tmp('rtc-cmp-back-');
    const f = await cli(['run', '--suite', 'stomp', '--seed', '1', '--compare', cand, '--reports', back], { timeoutMs: 300_000 });
    expect(f.code, f.out).toBe(0);
    expect(f.stdout).toMatch(/Fixes \(1\):\n\s+S-7\.1 /);
    const html = readFileSync(join(back, 'allure-report', 'index.html'), 'utf8');
    const categories = JSON.parse(reportFile(html, 'widgets/categories.json')!);
    const changed = Object.values(categories.nodes as Record<string, { type: string; name: string; statistic: { total: number } }>).find((n) => n.type === 'category' && n.name === `Changed since ${cand}`);
    expect(changed?.statistic.total).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(categories)).toContain('S-7.1 SUBSCRIBE without id is refused');
    expect(reportFile(html, 'widgets/globals.json')).toContain('diff.md');
  }, 300_000);

  test('a BASE that is not a report: exit 2 before anything runs, naming the problem', async () => {
    const r = await cli(['run', '--suite', 'stomp', '--compare', '/nonexistent/rtc-base', '--no-html', '--reports', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--compare /nonexistent/rtc-base: no such file or folder');
    expect(r.stdout).not.toContain('PASS');
  });
});

describe('diff of merged shards', () => {
  test('two shards merged with "report" compare to an unsharded run like any run, frames included', async () => {
    const whole = tmp('rtc-cmp-whole-');
    expect((await cli(['run', '--suite', 'oam', '--seed', '3', '--no-html', '--reports', whole])).code).toBe(0);
    const s1 = tmp('rtc-cmp-s1-');
    const s2 = tmp('rtc-cmp-s2-');
    // One shard at a time: two at once beside another test file stalled the reference OAM server on a slow machine.
    for (const [i, dir] of [s1, s2].entries()) await cli(['run', '--suite', 'oam', '--seed', '3', '--shard', `${i + 1}/2`, '--quirk', 'oam.404-for-unknown-id', '--no-html', '--reports', dir]);
    const merged = tmp('rtc-cmp-merged-');
    await cli(['report', s1, s2, '--no-html', '--reports', merged]);
    expect(existsSync(join(merged, 'transcripts'))).toBe(true);
    expect(readSummary(merged).cases.length).toBe(readSummary(whole).cases.length);
    const r = await cli(['diff', whole, merged, '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d.changes.filter((c: { change: string }) => c.change === 'regression').map((c: { id: string }) => c.id)).toEqual(['O-7.1', 'O-7.2', 'O-7.3', 'O-7.9']);
    expect(d.changes[0].frames.length).toBeGreaterThan(0);
    expect([d.counts.added, d.counts.removed]).toEqual([0, 0]);
  }, 300_000);
});
