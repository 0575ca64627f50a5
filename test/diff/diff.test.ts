import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderDiff } from '../../src/report/diff-render.ts';
import { DEFAULT_TOLERANCES, DiffInputError, diffExitCode, diffRuns, diffTranscripts, loadRun, parseTolerance, type LoadedRun } from '../../src/report/diff.ts';
import { measurementObservation, observe, stableText, structuredTranscript, type Observation } from '../../src/report/observations.ts';
import { summarize, type CaseResult } from '../../src/report/summary.ts';
import { Transcript } from '../../src/transport/transcript.ts';
import { registerSecret } from '../../src/report/redact.ts';
import { cli, tmp } from '../run-cli.ts';

const obs = (name: string, kind: Observation['kind'], value: number | string): Observation => ({ name, kind, value, source: 'measure', ...(kind === 'timing' ? { unit: 'ms' as const } : {}) });

function result(id: string, verdict: CaseResult['verdict'], observations: Observation[] = [obs('connections', 'count', 1)]): CaseResult {
  return { id, suite: 'stomp', clause: id.replace(/\.[^.]*$/, ''), level: 'MUST', title: `case ${id}`, verdict, durationMs: 1, observations };
}

function run(path: string, cases: CaseResult[]): LoadedRun {
  return { path, summary: summarize(cases, { tool: 'rtc-conformance', version: '0.1.0', target: 'reference servers', strict: false, startedAt: '2026-12-01T00:00:00.000Z', durationMs: 1 }) };
}

describe('observations', () => {
  test('a measurement is typed by its name and value; volatile ones are left out', () => {
    expect(measurementObservation('give-up after (ms)', '1012')).toMatchObject({ kind: 'timing', value: 1012, unit: 'ms' });
    expect(measurementObservation('rest_request_timeout (s)', '2')).toMatchObject({ kind: 'timing', value: 2000 });
    expect(measurementObservation('status', '404')).toMatchObject({ kind: 'code', value: 404 });
    expect(measurementObservation('connect deliveries', '3')).toMatchObject({ kind: 'count', value: 3 });
    expect(measurementObservation('close', 'code 1000 by server, clean=true, at 12.5 ms')).toMatchObject({ kind: 'text', value: 'code 1000 by server, clean=true, at … ms' });
    expect(measurementObservation('seed', '12345')).toBeUndefined();
  });

  test('stable text: random destination suffixes, uuids, ports and dates are masked, the rest is kept', () => {
    expect(stableText('no subscription on /topic/rtc-S_7_1-d-k3j9x0ab at ws://127.0.0.1:43211/ws')).toBe('no subscription on /topic/rtc-S_7_1-d-… at ws://127.0.0.1:<port>/ws');
    expect(stableText('rtc_W_8_1_sentinel_8d274391 4f1c2b9e-1111-2222-3333-444455556666')).toBe('rtc_W_8_1_sentinel_… <uuid>');
    expect(stableText('date: Tue, 01 Dec 2026 21:36:03 GMT')).toBe('date: <date>');
    expect(stableText('rtc_W_8_1_sentinel')).toBe('rtc_W_8_1_sentinel');
    // Identifiers a server or the harness numbers anew: masked; an ack mode is behaviour and kept.
    expect(stableText('MESSAGE message-id:session-10-5eysxx-1 ack:a-7 subscription:drain receipt-id:r-22')).toBe('MESSAGE message-id:<id> ack:<id> subscription:drain receipt-id:<id>');
    expect(stableText('SUBSCRIBE↵id:s↵ack:client-individual↵transaction:rtc-tx-k3j9x0ab↵')).toBe('SUBSCRIBE↵id:s↵ack:client-individual↵transaction:<id>↵');
    expect(stableText('transaction "rtc-tx-2nul08ab" is already begun')).toBe('transaction "rtc-tx-…" is already begun');
  });

  test('a list of timings is one timing per position; a DISCONNECTed session is closed "after DISCONNECT" whoever closed first', () => {
    const t = new Transcript('consumer');
    t.record('out', 'text', 'CONNECT\naccept-version:1.2\n\n\0');
    t.record('out', 'text', 'DISCONNECT\nreceipt:leaving\n\n\0');
    t.close = { code: 1000, reason: '', by: 'server', clean: true, at: 3 };
    const o = Object.fromEntries(observe([t], { 'gaps (ms)': '1, 3' }).map((x) => [x.name, [x.kind, x.value]]));
    expect(o).toMatchObject({ 'consumer: closed by': ['text', 'after DISCONNECT'], 'gaps (ms) [1]': ['timing', 1], 'gaps (ms) [2]': ['timing', 3] });
    expect(observe([], { 'heart-beats seen': '9' }).map((x) => x.name)).toEqual(['connections']);
  });

  test('a STOMP transcript yields its close, ERROR message and frame counts; an HTTP one its status', () => {
    const t = new Transcript('session 1');
    t.record('out', 'text', 'CONNECT\naccept-version:1.2\n\n\0');
    t.record('in', 'text', 'CONNECTED\nversion:1.2\n\n\0');
    t.record('in', 'text', '\n');
    t.record('in', 'text', 'ERROR\nmessage:no id on rtc-S_7_1-d-abcdefgh\n\n\0');
    t.close = { code: 1002, reason: 'STOMP protocol error', by: 'client', clean: true, at: 12 };
    const h = new Transcript('REST');
    h.record('out', 'http', 'POST /api HTTP/1.1\n\n');
    h.record('in', 'http', 'HTTP 404\ncontent-type: text/plain\n\nno');
    const o = Object.fromEntries(observe([t, h], {}).map((x) => [x.name, [x.kind, x.value]]));
    expect(o).toEqual({
      connections: ['count', 2],
      'session 1: CONNECTED frames': ['count', 1],
      'session 1: ERROR frames': ['count', 1],
      'session 1: ERROR message': ['text', 'no id on rtc-S_7_1-d-…'],
      'session 1: close code': ['code', 1002],
      // The harness's own close crossed the server's 1002: the server closed.
      'session 1: closed by': ['text', 'server'],
      'session 1: close reason': ['text', 'STOMP protocol error'],
      'REST: HTTP status': ['code', 404],
    });
  });

  test('a structured transcript is redacted and bounded', () => {
    registerSecret('s3cret-passcode', 'passcode');
    const t = new Transcript('s');
    t.record('out', 'text', 'CONNECT\npasscode:s3cret-passcode\n\n\0');
    t.record('in', 'text', 'x'.repeat(5000));
    const s = structuredTranscript(t);
    expect(JSON.stringify(s)).not.toContain('s3cret-passcode');
    expect(s.entries[1].text.length).toBe(2048);
    expect(s.entries[1].octets).toBe(5000);
  });
});

describe('diff of two runs', () => {
  test('regressions first, then other verdict changes, then fixes, then observation changes; added and removed', () => {
    const base = run('base', [
      result('S-1.1', 'passed'),
      result('S-1.2', 'passed'),
      result('S-2.1', 'failed'),
      result('S-3.1', 'passed'),
      result('S-4.1', 'passed', [obs('close code', 'code', 1000)]),
      result('S-5.1', 'passed'),
      result('S-9.9', 'passed'),
    ]);
    const cand = run('cand', [
      result('S-1.1', 'passed'),
      result('S-1.2', 'broken'),
      result('S-2.1', 'passed'),
      result('S-3.1', 'non-strict'),
      result('S-4.1', 'passed', [obs('close code', 'code', 1002)]),
      result('S-5.1', 'failed'),
      result('S-10.1', 'passed'),
    ]);
    const d = diffRuns(base, cand);
    expect(d.changes.map((c) => [c.id, c.change])).toEqual([
      ['S-1.2', 'regression'],
      ['S-5.1', 'regression'],
      ['S-3.1', 'verdict'],
      ['S-2.1', 'fix'],
      ['S-4.1', 'observations'],
    ]);
    expect(d.changes.find((c) => c.id === 'S-4.1')!.observations).toEqual([{ name: 'close code', kind: 'code', base: 1000, candidate: 1002 }]);
    expect(d.added.map((c) => c.id)).toEqual(['S-10.1']);
    expect(d.removed.map((c) => c.id)).toEqual(['S-9.9']);
    expect(d.summary).toBe('2 regressions, 1 other verdict change, 1 fix, 1 case with changed observations, 1 added, 1 removed (6 cases compared)');
    expect(diffExitCode(d)).toBe(1);
    const md = renderDiff(d, 'markdown');
    expect(md.indexOf('Regressions')).toBeLessThan(md.indexOf('Other verdict changes'));
    expect(md).toContain('| **S-4.1** case S-4.1 | MUST | passed | close code (code): 1000 → 1002 |');
  });

  test('timings within ±20 % or ±50 ms are no change; beyond, they are; --tolerance changes it', () => {
    const at = (v: number) => run('r', [result('H-10.1', 'passed', [obs('give-up after (ms)', 'timing', v)])]);
    expect(diffRuns(at(1000), at(1190)).counts.observationChanges).toBe(0);
    expect(diffRuns(at(100), at(149)).counts.observationChanges).toBe(0);
    expect(diffRuns(at(100), at(151)).counts.observationChanges).toBe(1);
    const d = diffRuns(at(1000), at(2000));
    expect(d.changes[0].observations).toEqual([{ name: 'give-up after (ms)', kind: 'timing', base: 1000, candidate: 2000, delta: 1000 }]);
    expect(d.counts.regressions).toBe(0);
    expect(diffExitCode(d)).toBe(0);
    expect(diffExitCode(d, 'observations')).toBe(1);
    expect(diffRuns(at(1000), at(1190), { tolerances: parseTolerance('timing=10%') }).counts.observationChanges).toBe(1);
    expect(diffRuns(at(1000), at(2000), { tolerances: parseTolerance('timing=1500ms') }).counts.observationChanges).toBe(0);
    expect(diffRuns(at(1000), at(1190)).drift.timing).toMatchObject({ delta: 190, id: 'H-10.1' });
    expect(() => parseTolerance('text=5%')).toThrow(DiffInputError);
    expect(() => parseTolerance('speed=5%')).toThrow(/not one of/);
    expect(DEFAULT_TOLERANCES.count).toEqual({ absolute: 0, relative: 0 });
  });

  test('the frame diff aligns each direction by order, ignores time offsets, ids and heart-beats', () => {
    const file = (frames: Array<[string, string, number]>, close: number) => ({
      id: 'S-9.1',
      transcripts: [{ label: 'session 1', entries: frames.map(([dir, text, at]) => ({ dir: dir as 'in', kind: 'text' as const, at, text })), close: { code: close, reason: '', by: 'server' as const, clean: true, at: 9 } }],
    });
    const base = file([['out', 'CONNECT↵↵␀', 0], ['in', 'CONNECTED↵session:abc↵↵␀', 1], ['in', '↵', 2], ['out', 'SEND↵destination:/topic/rtc-S_9_1-d-aaaaaaaa↵↵x␀', 3], ['in', 'ERROR↵message:bad↵↵␀', 4]], 1000);
    const cand = file([['out', 'CONNECT↵↵␀', 5], ['in', 'CONNECTED↵session:xyz↵↵␀', 7], ['out', 'SEND↵destination:/topic/rtc-S_9_1-d-bbbbbbbb↵↵x␀', 9], ['in', 'ERROR↵message:worse↵↵␀', 11]], 1002);
    expect(diffTranscripts(base, cand)).toEqual([
      { transcript: 'session 1', dir: 'in', base: 'ERROR↵message:bad↵↵␀', candidate: 'ERROR↵message:worse↵↵␀' },
      { transcript: 'session 1', dir: 'close', base: 'code=1000 reason=""', candidate: 'code=1002 reason=""' },
    ]);
  });
});

describe('rtc-conformance diff (CLI)', () => {
  const write = (dir: string, cases: CaseResult[], transcripts?: Record<string, unknown>) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(run(dir, cases).summary));
    if (transcripts) {
      mkdirSync(join(dir, 'transcripts'));
      for (const [id, t] of Object.entries(transcripts)) writeFileSync(join(dir, 'transcripts', `${id}.json`), JSON.stringify(t));
    }
    return dir;
  };

  test('exit 0 without a regression, 1 with one, 2 on bad input naming the problem; formats and --fail-on', async () => {
    const root = tmp('rtc-diff-');
    const a = write(join(root, 'a'), [result('S-1.1', 'passed'), result('S-2.1', 'passed', [obs('close code', 'code', 1000)])]);
    const b = write(join(root, 'b'), [result('S-1.1', 'passed'), result('S-2.1', 'passed', [obs('close code', 'code', 1002)])]);
    const c = write(join(root, 'c'), [result('S-1.1', 'failed'), result('S-2.1', 'passed', [obs('close code', 'code', 1000)])]);
    writeFileSync(join(root, 'not-json.json'), '{');
    writeFileSync(join(root, 'other.json'), '{"hello": 1}');

    const same = await cli(['diff', a, join(a, 'summary.json')]);
    expect(same.code, same.out).toBe(0);
    expect(same.stdout).toContain('0 regressions, 0 other verdict changes, 0 fixes, 0 cases with changed observations, 0 added, 0 removed (2 cases compared)');

    const obsOnly = await cli(['diff', a, b]);
    expect(obsOnly.code, obsOnly.out).toBe(0);
    expect(obsOnly.stdout).toContain('close code (code): 1000 → 1002');
    expect((await cli(['diff', a, b, '--fail-on', 'observations'])).code).toBe(1);

    const reg = await cli(['diff', a, c, '--format', 'json']);
    expect(reg.code, reg.out).toBe(1);
    const json = JSON.parse(reg.stdout);
    expect(json.changes).toMatchObject([{ id: 'S-1.1', change: 'regression', base: 'passed', candidate: 'failed' }]);
    const md = await cli(['diff', a, c, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^### rtc-conformance: changed since /);

    const missing = await cli(['diff', a, join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`CANDIDATE ${join(root, 'nope')}: no such file or folder`);
    const bad = await cli(['diff', join(root, 'not-json.json'), a]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('not valid JSON')]);
    const other = await cli(['diff', join(root, 'other.json'), a]);
    expect([other.code, other.stderr]).toEqual([2, expect.stringContaining('not a summary.json of rtc-conformance')]);
    const empty = await cli(['diff', root, a]);
    expect([empty.code, empty.stderr]).toEqual([2, expect.stringContaining('holds no summary.json')]);
    const usage = await cli(['diff', a]);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('diff needs BASE and CANDIDATE')]);
    expect((await cli(['diff', a, b, '--format', 'yaml'])).code).toBe(2);
    expect((await cli(['diff', a, b, '--tolerance', 'timing=fast'])).code).toBe(2);
    const help = await cli(['diff', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('usage: rtc-conformance diff BASE CANDIDATE')]);
  }, 60_000);
});

describe('the release pipeline example', () => {
  test('docs/github-actions-release.yml parses and calls diff and run --compare with options that exist', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const { diffCommand } = await import('../../src/commands/diff.ts');
    const text = readFileSync(join(__dirname, '../../docs/github-actions-release.yml'), 'utf8');
    const doc = parse(text) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
    const runs = Object.values(doc.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n');
    const diffs = runs.split('\n').filter((l) => /rtc-conformance diff /.test(l));
    expect(diffs.length).toBeGreaterThan(0);
    for (const line of diffs) for (const [, flag] of line.matchAll(/--([\w-]+)/g)) expect(Object.keys(diffCommand.options), line).toContain(flag);
    expect(runs).toMatch(/rtc-conformance run .*--compare "\$BASE"/);
    expect(runs).toContain('--format markdown');
  });
});
