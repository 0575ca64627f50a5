import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { QUIRKS, quirkSuite, type Quirk } from '../../mocks/quirks.ts';

/**
 * Negative controls: with each fault switched on, the suite of its protocol must catch it in the cases of the quirk's
 * clause, and in no other clause (a clean reference server passing every case is the suites project itself).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function runWith(quirk: Quirk): Promise<Array<{ id: string; clause: string; verdict: string }>> {
  const suite = quirkSuite(quirk);
  const reports = mkdtempSync(join(tmpdir(), 'rtc-quirk-'));
  await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/rtc-conformance.js'), 'run', '--suite', suite, '--no-html', '--quirk', quirk, '--reports', reports], { cwd: ROOT, stdio: 'ignore' });
    child.on('close', resolve);
  });
  return JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')).cases;
}

test.each(Object.keys(QUIRKS) as Quirk[])('%s is caught by its clause only', async (quirk) => {
  const cases = await runWith(quirk);
  const caught = cases.filter((c) => c.verdict === 'failed' || c.verdict === 'non-strict');
  expect(cases.length).toBeGreaterThan(10);
  expect(cases.filter((c) => c.verdict === 'broken')).toEqual([]);
  expect(caught.length, `no case caught ${quirk}`).toBeGreaterThan(0);
  expect(caught.filter((c) => c.clause !== QUIRKS[quirk].clause).map((c) => c.id)).toEqual([]);
}, 120_000);
