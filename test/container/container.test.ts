import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, cli, tmp, verdicts } from '../run-cli.ts';

/**
 * Container targets: the reference servers as a container image (scripts/podman.sh builds it without a registry and
 * serves podman's Docker API, which .ci/run starts), started and stopped by the harness through testcontainers.
 */
const TARGET = join(ROOT, 'fixtures/targets/reference-container.json');
const IMAGE = 'localhost/rtc-conformance-reference:latest';
const socket = process.env.DOCKER_HOST?.replace(/^unix:\/\//, '');
const up = Boolean(socket && existsSync(socket) && process.env.TESTCONTAINERS_HOST_OVERRIDE === '127.0.0.1');
if (!up && process.env.CI) throw new Error('podman is not serving the Docker API: .ci/run must run scripts/podman.sh start and export its env');

const ours = () => execFileSync('podman', ['ps', '-aq', '--filter', `ancestor=${IMAGE}`], { encoding: 'utf8' }).trim();

describe.skipIf(!up)('the reference servers as a container target', () => {
  test.each(['oam', 'websocketd'])('--suite %s: the same cases and verdicts as in process; the container is gone afterwards', async (suite) => {
    const [inContainer, inProcess] = [tmp('rtc-ctr-'), tmp('rtc-proc-')];
    const container = await cli(['run', '--target', TARGET, '--suite', suite, '--no-html', '--reports', inContainer]);
    expect(container.code, container.out.slice(-3000)).toBe(0);
    expect(container.out).toMatch(/container localhost\/rtc-conformance-reference:latest \(\w+\) on 127\.0\.0\.1: 8090→\d+, 9502→\d+, 9497→\d+/);
    const local = await cli(['run', '--suite', suite, '--no-html', '--reports', inProcess]);
    expect(local.code).toBe(0);
    expect(verdicts(inContainer)).toEqual(verdicts(inProcess));
    expect(ours()).toBe('');
  }, 180_000);

  test('Ctrl-C during the run stops the container and keeps the results so far', async () => {
    const reports = tmp('rtc-ctr-int-');
    let sent = false;
    const r = await cli(['run', '--target', TARGET, '--suite', 'oam', '--no-html', '--reports', reports], {
      // Interrupt once the first cases have finished.
      onLine: (line, child) => {
        if (!sent && /^\s*3\/≥?\d+ /.test(line)) (sent = true), child.kill('SIGINT');
      },
    });
    expect(sent, r.out.slice(-3000)).toBe(true);
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/interrupted: \d+ cases finished and are reported; the others did not run/);
    expect(r.out).toContain('container localhost/rtc-conformance-reference:latest stopped');
    expect(Object.keys(verdicts(reports)).length).toBeGreaterThanOrEqual(3);
    expect(ours()).toBe('');
  }, 120_000);

  test('an image that does not exist: exit 2 naming it, nothing left running', async () => {
    const file = join(tmp('rtc-ctr-bad-'), 'target.json');
    const target = JSON.parse(readFileSync(TARGET, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...target, container: { ...target.container, image: 'localhost/rtc-no-such-image:latest' } }));
    const r = await cli(['run', '--target', file, '--suite', 'oam', '--no-html', '--reports', tmp('rtc-ctr-x-')]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('cannot start the container localhost/rtc-no-such-image:latest');
  }, 120_000);

  test('a container that is created but cannot start: exit 2 naming it, and the container is removed, not left behind', async () => {
    const file = join(tmp('rtc-ctr-never-'), 'target.json');
    const target = JSON.parse(readFileSync(TARGET, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...target, container: { ...target.container, command: ['/no/such/program'], startupTimeoutMs: 5000 } }));
    const r = await cli(['run', '--target', file, '--suite', 'oam', '--no-html', '--reports', tmp('rtc-ctr-y-')]);
    expect(r.code, r.out.slice(-2000)).toBe(2);
    expect(r.out).toContain('cannot start the container localhost/rtc-conformance-reference:latest');
    // The runtime names the program it could not start: the container was created, and its start is what failed.
    expect(r.out).toContain('/no/such/program');
    expect(ours()).toBe('');
  }, 120_000);
});
