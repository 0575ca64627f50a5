import { describe, expect, test } from 'vitest';
import { judgeBaseline, parseBaseline, updatedBaseline, type Baseline } from '../../src/report/baseline.ts';
import type { CaseResult } from '../../src/report/summary.ts';

const result = (id: string, verdict: CaseResult['verdict'], message?: string): CaseResult => ({
  id, suite: 'stomp', clause: id.replace(/\.\d+$/, ''), level: 'MUST', title: `case ${id}`, verdict, durationMs: 1, ...(message ? { message } : {}),
});
const today = new Date('2026-11-25T12:00:00Z');

describe('baseline file', () => {
  test('YAML and JSON are read; every entry needs id, reason and owner', () => {
    expect(parseBaseline('deviations:\n  - {id: S-4.6, reason: closes 1011, owner: qa, expires: 2027-01-01}\n', 'b.yaml').deviations[0].expires).toBe('2027-01-01');
    expect(parseBaseline('{"deviations": []}', 'b.json').deviations).toEqual([]);
    expect(() => parseBaseline('deviations:\n  - {id: S-4.6, reason: x}\n', 'b.yaml')).toThrow(/b\.yaml: invalid baseline file:\n {2}deviations\.0: must have required property 'owner'/);
    expect(() => parseBaseline('deviations:\n  - {id: S4, reason: x, owner: y}\n', 'b.yaml')).toThrow(/deviations\.0\.id: must match pattern/);
    expect(() => parseBaseline('deviations: [\n', 'b.yaml')).toThrow(/b\.yaml: not valid YAML or JSON/);
    expect(() => parseBaseline('deviations:\n  - {id: S-1.1, reason: x, owner: y, expires: 2027-13-45}\n', 'b.yaml')).toThrow(/not a date/);
    expect(() => parseBaseline('deviations:\n  - {id: S-1.1, reason: x, owner: y}\n  - {id: S-1.1, reason: z, owner: y}\n', 'b.yaml')).toThrow(/S-1\.1 is listed twice/);
  });
});

describe('judging a run against a baseline', () => {
  const baseline: Baseline = {
    deviations: [
      { id: 'S-1.1', reason: 'known', owner: 'qa' },
      { id: 'S-1.2', reason: 'fixed since', owner: 'qa' },
      { id: 'S-1.3', reason: 'lapsed', owner: 'qa', expires: '2026-11-24' },
      { id: 'S-1.4', reason: 'holds today', owner: 'qa', expires: '2026-11-25' },
      { id: 'S-1.5', reason: 'not in this run', owner: 'qa' },
      { id: 'S-6.1', reason: 'SHOULD, non-strict here', owner: 'qa' },
    ],
  };
  const cases = [
    result('S-1.1', 'failed'), result('S-1.2', 'passed'), result('S-1.3', 'failed'), result('S-1.4', 'failed'),
    result('S-6.1', 'non-strict'), result('S-2.1', 'failed'), result('S-2.2', 'passed'), result('S-2.3', 'broken'),
  ];
  test('known, unlisted (new), stale, expired and not run are told apart', () => {
    expect(judgeBaseline(baseline, cases, 'b.yaml', today)).toEqual({
      file: 'b.yaml', known: ['S-1.1', 'S-1.4', 'S-6.1'], unlisted: ['S-2.1'], stale: ['S-1.2'], expired: ['S-1.3'], notRun: ['S-1.5'], intermittent: [],
    });
  });
  test('an intermittent entry (a timing deviation) is known when the case fails and neither stale nor dropped when it passes', () => {
    const flaky: Baseline = { deviations: [{ id: 'S-10.2', reason: 'first heart-beat up to 2 intervals late', owner: 'qa', intermittent: true }, { id: 'S-1.2', reason: 'x', owner: 'qa' }] };
    expect(parseBaseline('deviations:\n  - {id: S-10.2, reason: late, owner: qa, intermittent: true}\n', 'b.yaml').deviations[0].intermittent).toBe(true);
    expect(judgeBaseline(flaky, [result('S-10.2', 'failed'), result('S-1.2', 'failed')], 'b', today)).toMatchObject({ known: ['S-10.2', 'S-1.2'], stale: [], intermittent: [] });
    expect(judgeBaseline(flaky, [result('S-10.2', 'passed'), result('S-1.2', 'passed')], 'b', today)).toMatchObject({ known: [], stale: ['S-1.2'], intermittent: ['S-10.2'] });
    expect(updatedBaseline(flaky, [result('S-10.2', 'passed'), result('S-1.2', 'passed')], 'me', 'T').deviations.map((d) => d.id)).toEqual(['S-10.2']);
  });
  test('an entry for one transport is judged only in runs over it, and kept by --update-baseline of the other', () => {
    const both: Baseline = { deviations: [{ id: 'S-8.5', reason: 'web-stomp closes before the RECEIPT', owner: 'qa', transport: 'websocket' }, { id: 'S-7.1', reason: 'x', owner: 'qa' }] };
    const tcpRun = [result('S-8.5', 'passed'), result('S-7.1', 'failed')];
    expect(judgeBaseline(both, tcpRun, 'b', today, 'tcp')).toMatchObject({ known: ['S-7.1'], stale: [], unlisted: [] });
    expect(judgeBaseline(both, tcpRun, 'b', today, 'websocket')).toMatchObject({ known: ['S-7.1'], stale: ['S-8.5'] });
    expect(judgeBaseline(both, [result('S-8.5', 'failed')], 'b', today, 'tcp')).toMatchObject({ unlisted: ['S-8.5'] });
    expect(updatedBaseline(both, tcpRun, 'me', 'T', 'tcp').deviations.map((d) => d.id)).toEqual(['S-8.5', 'S-7.1']);
    expect(parseBaseline('deviations:\n  - {id: S-8.5, reason: x, owner: qa, transport: tcp}\n', 'b.yaml').deviations[0].transport).toBe('tcp');
    expect(() => parseBaseline('deviations:\n  - {id: S-8.5, reason: x, owner: qa, transport: udp}\n', 'b.yaml')).toThrow(/transport/);
  });
  test('--update-baseline keeps what still deviates, adds new failures with their Actual line, drops stale entries', () => {
    const next = updatedBaseline(baseline, [...cases, result('S-9.1', 'failed', 'Expected: ERROR\nActual:   no frame; closed 1011')], 'me', 'T');
    expect(next.deviations.map((d) => d.id)).toEqual(['S-1.1', 'S-1.3', 'S-1.4', 'S-1.5', 'S-6.1', 'S-2.1', 'S-9.1']);
    expect(next.deviations.find((d) => d.id === 'S-1.3')!.expires).toBe('2026-11-24');
    expect(next.deviations.at(-1)).toEqual({ id: 'S-9.1', reason: 'no frame; closed 1011 (case S-9.1)', owner: 'me' });
    expect(judgeBaseline(next, cases, 'b', today)).toMatchObject({ unlisted: [], stale: [] });
  });
});
