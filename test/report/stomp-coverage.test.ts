import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { coverageProblems, coverageRows, NORMATIVE, renderStompCoverage, type CoveredCase, type SentencesFile } from '../../src/report/stomp-coverage.ts';
import { ROOT, cli } from '../run-cli.ts';

/**
 * docs/stomp-coverage.md is generated from fixtures/stomp-1.2-sentences.json and the cases of the stomp suite; this
 * test fails when the committed table is stale (RTC_UPDATE_COVERAGE=1 rewrites it) or when a normative sentence has
 * neither a case nor a reason.
 */
const SENTENCES = join(ROOT, 'fixtures/stomp-1.2-sentences.json');
const TABLE = join(ROOT, 'docs/stomp-coverage.md');

describe('STOMP 1.2 coverage table', () => {
  test('every normative sentence has cases or a reason, every named sentence and case exists, and docs/stomp-coverage.md is current', async () => {
    const file = JSON.parse(readFileSync(SENTENCES, 'utf8')) as SentencesFile;
    const { code, stdout } = await cli(['list', '--suite', 'stomp', '--json']);
    expect(code).toBe(0);
    const cases = JSON.parse(stdout) as CoveredCase[];
    expect(coverageProblems(file, cases)).toEqual([]);
    // S-14 and S-15 name their sentences; each of their cases names at least one.
    for (const c of cases.filter((x) => /^S-1[45]\./.test(x.id))) expect(c.sentences?.length, c.id).toBeGreaterThan(0);
    const rows = coverageRows(file, cases);
    expect(rows.filter((r) => NORMATIVE.has(r.sentence.level)).length).toBeGreaterThanOrEqual(60);
    expect(rows.find((r) => r.sentence.id === 'SUBSCRIBE.ack-individual-not-cumulative')!.cases).toEqual(['S-14.6', 'S-14.7']);
    const table = renderStompCoverage(file, cases);
    if (process.env.RTC_UPDATE_COVERAGE) writeFileSync(TABLE, table);
    expect(readFileSync(TABLE, 'utf8'), 'docs/stomp-coverage.md is stale: RTC_UPDATE_COVERAGE=1 npx vitest run test/report/stomp-coverage.test.ts').toBe(table);
  }, 60_000);

  test('a normative sentence with no case and no reason, a case naming an unknown sentence, a mapping to a missing case are problems', () => {
    const file: SentencesFile = {
      source: 'x',
      sentences: [
        { id: 'A.must', section: 'A', level: 'MUST', party: 'server', text: 'a' },
        { id: 'B.should', section: 'B', level: 'SHOULD', party: 'server', text: 'b', cases: ['S-99.1'] },
        { id: 'C.info', section: 'C', level: '—', party: 'server', text: 'c' },
      ],
    };
    expect(coverageProblems(file, [{ id: 'S-1.1', level: 'MUST', sentences: ['Z.none'] }])).toEqual([
      'B.should: case S-99.1 does not exist',
      'S-1.1 names sentence Z.none, which is not in the sentences file',
      'A.must (MUST): no case and no reason',
    ]);
  });
});
