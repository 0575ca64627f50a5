import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { REFERENCE_LIMITS, startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { StompParser, header, serialize } from '../../src/stomp/index.ts';
import { parseTargetFile, type TargetFile } from '../../src/target/target.ts';
import { reachable } from '../../src/transport/reachable.ts';
import { ROOT, cli, runWithSummary, tmp } from '../run-cli.ts';

/** `rtc-conformance probe` (issue 15): what it finds, how it says so, and that its target files judge like hand-written ones. */
async function probe(args: string[]): Promise<{ code: number | null; file?: TargetFile; text?: string; stderr: string }> {
  const out = join(tmp('rtc-probe-'), 'target.json');
  const r = await cli(['probe', ...args, '--out', out, '--response-ms', '500', '--probe-time', '60'], { timeoutMs: 120_000 });
  if (r.code !== 0) return { code: r.code, stderr: r.stderr };
  const text = readFileSync(out, 'utf8');
  return { code: r.code, file: parseTargetFile(text, out), text, stderr: r.stderr };
}

function write(file: TargetFile): string {
  const path = join(tmp('rtc-target-'), 'target.json');
  writeFileSync(path, JSON.stringify(file));
  return path;
}

const verdictsOf = (cases: Array<{ id: string; verdict: string }>) => Object.fromEntries(cases.map((c) => [c.id, c.verdict]));

describe('probe against the reference STOMP server', () => {
  let server: RunningOamServer;
  let probed: Awaited<ReturnType<typeof probe>>;
  beforeAll(async () => {
    server = await startOamServer({ tls: false });
    probed = await probe(['--stomp-url', server.stompUrl]);
  }, 120_000);
  afterAll(() => server?.close());

  test('writes a target file that validates, with the reference values pinned and how each was found', () => {
    expect(probed.code, probed.stderr).toBe(0);
    const f = probed.file!;
    expect(f.stomp).toEqual({
      url: server.stompUrl,
      framing: 'stream',
      limits: { ...REFERENCE_LIMITS, maxMessageBytes: server.maxMessageBytes },
    });
    expect(server.maxMessageBytes).toBe(2_162_688);
    const values = Object.fromEntries(Object.entries(f.probed!.findings).map(([k, v]) => [k, v.value]));
    expect(values).toMatchObject({
      versions: ['1.2'],
      heartBeat: '50,50',
      server: 'rtc-conformance-reference/0.1',
      session: true,
      subprotocol: 'v12.stomp',
      framing: 'stream',
      'limits.maxHeaders': 64,
      'limits.maxHeaderLineBytes': 8192,
      'limits.maxBodyBytes': 1_048_576,
      'limits.maxMessageBytes': 2_162_688,
    });
    expect(values.receipts).toMatchObject({ SUBSCRIBE: true, SEND: true, BEGIN: true, COMMIT: true, ABORT: true, UNSUBSCRIBE: true, DISCONNECT: true });
    for (const [name, v] of Object.entries(f.probed!.findings)) expect(v.how.length, name).toBeGreaterThan(10);
    expect(f.probed!.findings['limits.maxBodyBytes'].how).toMatch(/1048576 accepted, 1048577 refused by ERROR/);
    expect(f.probed!.findings['limits.maxMessageBytes'].how).toMatch(/2162688 accepted, 2162689 refused by close 1009/);
    expect(f.probed!.warnings).toBeUndefined();
  });

  test('the stomp suite judges the reference the same with the probed file as with a hand-written one, 0 broken', async () => {
    const hand = write({ name: 'hand-written', stomp: { url: server.stompUrl, limits: { ...REFERENCE_LIMITS, maxMessageBytes: server.maxMessageBytes } } });
    const [a, b] = await Promise.all([
      runWithSummary(['run', '--target', write(probed.file!), '--suite', 'stomp', '--no-html', '--seed', '1']),
      runWithSummary(['run', '--target', hand, '--suite', 'stomp', '--no-html', '--seed', '1']),
    ]);
    expect(verdictsOf(a.summary.cases)).toEqual(verdictsOf(b.summary.cases));
    expect(a.summary.totals.broken).toBe(0);
    expect(a.summary.totals.failed).toBe(0);
    // The declared limits are used: S-11 runs and passes instead of being skipped.
    expect(a.summary.cases.filter((c) => c.clause === 'S-11').map((c) => c.verdict)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
  }, 180_000);
});

describe('probe finds what differs', () => {
  test('a one-frame-per-message broker is declared frame-per-message', async () => {
    const server = await startOamServer({ tls: false, quirks: new Set(['stomp.frame-per-message']) });
    try {
      const r = await probe(['--stomp-url', server.stompUrl]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.file!.stomp!.framing).toBe('frame-per-message');
      expect(r.file!.probed!.findings.framing.how).toMatch(/gave 1 MESSAGE\(s\); a SEND split over two messages was not delivered/);
    } finally {
      await server.close();
    }
  }, 120_000);

  test('a server that drops the connection (close 1011) on a large frame: reported as a warning, no limit declared', async () => {
    const crash = await crashingServer(20_000);
    try {
      const r = await probe(['--stomp-url', crash.url, '--max-bytes', '100000']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.file!.stomp!.limits).toEqual({});
      expect(r.file!.probed!.warnings!.join('\n')).toMatch(/maxMessageBytes: the server refused \d+ by close 1011.*not declared as a limit/);
      expect(r.stderr).toMatch(/warning: maxMessageBytes/);
    } finally {
      await crash.close();
    }
  }, 120_000);

  test('the passcode is used but never written, nor printed', async () => {
    const server = await startOamServer({ tls: false });
    try {
      const r = await probe(['--stomp-url', server.stompUrl, '--login', 'probe-user', '--passcode', 'S3cr3t-probe-passcode', '--max-bytes', '4096']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.file!.stomp!.login).toBe('probe-user');
      expect(r.text).not.toContain('S3cr3t-probe-passcode');
      expect(r.stderr).not.toContain('S3cr3t-probe-passcode');
    } finally {
      await server.close();
    }
  }, 120_000);

  test('not a STOMP server: exit 2 with the reason', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.on('listening', resolve));
    try {
      const r = await probe(['--stomp-url', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not answered by CONNECTED/);
    } finally {
      wss.close();
    }
  }, 60_000);
});

const RABBIT = 'ws://127.0.0.1:15674/ws';
const rabbitUp = (await reachable(RABBIT, 2000)) === undefined;

describe.skipIf(!rabbitUp)('probe against RabbitMQ web-stomp', () => {
  test('writes a valid target file whose stomp-suite verdicts equal the hand-written fixture\'s, 0 broken', async () => {
    const r = await probe(['--stomp-url', RABBIT, '--login', 'guest', '--passcode', 'guest', '--host', '/', '--max-bytes', String(1024 * 1024)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.file!.stomp).toMatchObject({ url: RABBIT, host: '/', login: 'guest', framing: 'stream' });
    expect(r.file!.stomp!.passcode).toBeUndefined();
    const values = Object.fromEntries(Object.entries(r.file!.probed!.findings).map(([k, v]) => [k, v.value]));
    expect(values).toMatchObject({ versions: ['1.0', '1.1', '1.2'], subprotocol: 'v12.stomp', server: 'RabbitMQ/3.10.8' });
    const [a, b] = await Promise.all([
      runWithSummary(['run', '--target', write(r.file!), '--passcode', 'guest', '--suite', 'stomp', '--no-html', '--seed', '1']),
      runWithSummary(['run', '--target', join(ROOT, 'fixtures/targets/rabbitmq-web-stomp.json'), '--suite', 'stomp', '--no-html', '--seed', '1']),
    ]);
    expect(verdictsOf(a.summary.cases)).toEqual(verdictsOf(b.summary.cases));
    expect(a.summary.totals.broken).toBe(0);
  }, 300_000);
});

/** Answers CONNECT, SUBSCRIBE and SEND (receipts), and drops the connection with 1011 on a message over `crashAt` octets. */
async function crashingServer(crashAt: number): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
  wss.on('connection', (ws) => {
    const parser = new StompParser({
      onFrame: (f) => {
        if (f.command === 'CONNECT' || f.command === 'STOMP') ws.send(serialize({ command: 'CONNECTED', headers: { version: '1.2' } }).toString());
        else if (header(f, 'receipt') !== undefined) ws.send(serialize({ command: 'RECEIPT', headers: { 'receipt-id': header(f, 'receipt')! } }).toString());
      },
      onError: () => ws.close(1002),
    }, { mode: 'lenient' });
    ws.on('message', (data: Buffer) => (data.length > crashAt ? ws.close(1011) : parser.push(data)));
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    close: () => new Promise<void>((done) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => done());
    }),
  };
}
