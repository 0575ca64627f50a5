import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

/**
 * `npm pack` yields a package that works as `npx rtc-conformance` in an empty folder: installed from the tarball
 * (its dependencies from the npm registry), it lists the cases and runs a short suite against its reference servers.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sh(command: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('the packed tarball works as npx rtc-conformance in an empty folder', async () => {
  const packDir = mkdtempSync(join(tmpdir(), 'rtc-pack-'));
  const pack = await sh('npm', ['pack', '--pack-destination', packDir], ROOT);
  expect(pack.code, pack.out).toBe(0);
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);

  const empty = mkdtempSync(join(tmpdir(), 'rtc-empty-'));
  const install = await sh('npm', ['install', '--no-audit', '--no-fund', tarball], empty);
  expect(install.code, install.out).toBe(0);

  const list = await sh('npx', ['rtc-conformance', 'list', '--suite', 'stomp'], empty);
  expect(list.code, list.out).toBe(0);
  expect(list.out).toMatch(/^\d{2,} cases$/m);

  const run = await sh('npx', ['rtc-conformance', 'run', '--suite', 'stomp', '--grep', 'S-1\\.', '--no-html'], empty);
  expect(run.code, run.out).toBe(0);
  expect(run.out).toMatch(/PASS +S-1\.1 /);
  const summary = JSON.parse(readFileSync(join(empty, 'reports', 'summary.json'), 'utf8'));
  expect(summary.totals.passed).toBe(5);
  // Nothing of the harness's own tests or benchmarks is shipped.
  expect(existsSync(join(empty, 'node_modules', 'rtc-conformance', 'test'))).toBe(false);
}, 300_000);
