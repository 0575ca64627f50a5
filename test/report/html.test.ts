import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { stripAnalytics } from '../../src/report/allure-html.ts';
import { cli, tmp } from '../run-cli.ts';
import { chromiumPath, visit } from './chromium.ts';

const chromium = chromiumPath();
if (!chromium && process.env.CI) throw new Error('chromium is not installed: .ci/run must run scripts/chromium.sh');

describe('the HTML report, as a person opens it', () => {
  test('Allure\'s analytics tag is stripped from the report template', () => {
    const template = '<body><script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n<script>\n  window.dataLayer = window.dataLayer || [];\n  gtag(\'js\', new Date());\n</script><div id="app"></div></body>';
    expect(stripAnalytics(template)).toBe('<body>\n<div id="app"></div></body>');
  });

  test.runIf(chromium)('opened in headless Chromium: no request leaves file://, and a SHOULD deviation is neither passed nor hidden in an attachment', async () => {
    const reports = tmp();
    const r = await cli(['run', '--suite', 'oam', '--case', 'O-9.1,O-4.1', '--quirk', 'oam.no-cors', '--reports', reports]);
    expect(r.code, r.out).toBe(0);
    const index = join(reports, 'allure-report', 'index.html');
    expect(readFileSync(index, 'utf8')).not.toMatch(/googletagmanager|gtag\(/);
    const page = await visit(`file://${index}`, { clicks: ['WCS OAM API', 'O-9 CORS', 'O-9.1 '] });
    // data: URLs are the report's own inlined files; anything else (http, https, ws) would leave the machine.
    expect(page.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
    expect(page.texts[0]).toMatch(/Passed\s+1/);
    expect(page.texts[0]).toMatch(/Unknown\s+1/);
    const result = page.texts.at(-1)!;
    expect(result).toMatch(/O-9\.1 REST answers carry Access-Control-Allow-Origin\s+Unknown/);
    expect(result).toMatch(/Category: SHOULD deviations \(non-strict\)/);
    expect(result).toMatch(/Expected\s+Access-Control-Allow-Origin: \*\s+Actual\s+\(absent\)/);
    expect(result).toMatch(/level\s+SHOULD\s+clause\s+O-9\s+verdict\s+non-strict/);
  }, 120_000);
});
