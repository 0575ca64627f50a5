import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

/**
 * The stomp suite against a STOMP server nobody here wrote: RabbitMQ 3.10 web-stomp (scripts/rabbitmq.sh start,
 * which .ci/run calls). Its known deviations must fail exactly their cases; nothing may be broken.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = join(ROOT, 'fixtures/targets/rabbitmq-web-stomp.json');

/** RabbitMQ 3.10.8 web-stomp, as measured: each id is a case whose clause RabbitMQ breaks. */
const KNOWN_FAILURES = {
  'S-1.5': 'decodes escapes in CONNECT headers: closes with 1007 bad_escape',
  'S-2.2': 'keeps the connection open after the version ERROR',
  'S-2.3': 'keeps the connection open after the version ERROR',
  'S-4.6': 'closes with 1011 instead of sending ERROR on a bad content-length',
  'S-5.3': 'closes with 1007 instead of sending ERROR on an undefined escape',
  'S-5.4': 'closes with 1007 instead of sending ERROR on an undefined escape',
  'S-5.5': 'closes with 1007 instead of sending ERROR on an undefined escape',
  'S-7.1': 'accepts SUBSCRIBE without id',
  'S-7.2': 'keeps the connection open after ERROR',
  'S-8.5': 'sends no RECEIPT for DISCONNECT',
  'S-9.1': 'keeps the connection open after ERROR',
  'S-9.2': 'closes with 1007 instead of sending ERROR',
  'S-9.3': 'closes with 1011 instead of sending ERROR on a bad content-length',
  'S-9.4': 'closes with 1011 instead of sending ERROR on a bad content-length',
  'S-9.5': 'keeps the connection open after ERROR',
  'S-9.6': 'keeps the connection open after ERROR',
  'S-9.7': 'closes with 1007 instead of sending ERROR',
  'S-9.8': 'keeps the connection open after ERROR',
  'S-9.9': 'closes with 1011 on a second CONNECT',
  'S-9.12': 'closes with 1007 instead of sending ERROR',
};

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const up = await listening(15674);
if (!up && process.env.CI) throw new Error('RabbitMQ web-stomp is not listening on 127.0.0.1:15674: .ci/run must run scripts/rabbitmq.sh start');

test.skipIf(!up)('stomp suite vs RabbitMQ web-stomp: known deviations fail exactly their cases, none broken', async () => {
  const reports = mkdtempSync(join(tmpdir(), 'rtc-rabbitmq-'));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/rtc-conformance.js'), 'run', '--target', TARGET, '--suite', 'stomp', '--no-html', '--reports', reports], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    child.on('close', resolve);
  });
  const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')) as {
    cases: Array<{ id: string; verdict: string; message?: string }>;
  };
  const by = (verdict: string) => summary.cases.filter((c) => c.verdict === verdict).map((c) => c.id);
  expect(code).toBe(1);
  expect(by('broken')).toEqual([]);
  expect(by('failed').sort()).toEqual(Object.keys(KNOWN_FAILURES).sort());
  expect(by('skipped').sort()).toEqual(['S-11.1', 'S-11.2', 'S-11.3', 'S-11.4']);
  for (const c of summary.cases.filter((x) => x.verdict === 'failed')) expect(c.message).toMatch(/Expected: .*\nActual: {3}\S/);
}, 120_000);
