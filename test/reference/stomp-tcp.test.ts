import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { header } from '../../src/stomp/index.ts';
import { TargetError, parseTargetFile, targetSpec } from '../../src/target/target.ts';
import { StompSession } from '../../src/transport/stomp-session.ts';
import { BIN, ROOT, runWithSummary } from '../run-cli.ts';

/** STOMP over raw TCP: the same cases, transport and transcripts as over WebSocket, against the reference server. */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('STOMP over TCP against the reference server', () => {
  test('loop test: the whole stomp suite over TCP passes; S-12 (WebSocket messages) is skipped with the reason', async () => {
    const { code, summary, stdout } = await runWithSummary(['run', '--suite', 'stomp', '--stomp-transport', 'tcp', '--no-html']);
    const bad = summary.cases.filter((c) => !['passed', 'info', 'skipped'].includes(c.verdict));
    expect(bad.map((c) => `${c.id} ${c.verdict}: ${c.message}`)).toEqual([]);
    const skipped = summary.cases.filter((c) => c.verdict === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const c of skipped.filter((x) => x.clause === 'S-12')) {
      expect(c.message).toMatch(/STOMP over TCP \(stomp:\/\/127\.0\.0\.1:\d+\).*S-12 applies to STOMP over WebSocket only/);
    }
    // Besides S-12 only the WebSocket message limit (S-11.5) is skipped: a TCP target declares none.
    expect(skipped.filter((x) => x.clause !== 'S-12').map((x) => x.id)).toEqual(['S-11.5']);
    // Every S-12 case is skipped, and every acknowledgement and transaction case ran.
    expect(summary.cases.filter((c) => c.clause === 'S-12').every((c) => c.verdict === 'skipped')).toBe(true);
    expect(summary.cases.filter((c) => /^S-1[45]$/.test(c.clause)).map((c) => c.verdict)).not.toContain('skipped');
    expect(summary.cases.length).toBeGreaterThan(90);
    expect(stdout).not.toMatch(/FAIL|BROKEN/);
    expect(code).toBe(0);
  }, 180_000);

  test('the fuzz suite\'s STOMP properties run over TCP too: clean against the reference, and a parsing quirk is found and shrunk', async () => {
    const args = ['run', '--suite', 'fuzz', '--stomp-transport', 'tcp', '--grep', 'S-', '--fuzz-runs', '100', '--seed', '7', '--no-html'];
    const clean = await runWithSummary(args);
    // S-12.F1 (splits) is INFO: over TCP a split is two writes to the stream, at any octet.
    expect(clean.summary.cases.filter((c) => c.verdict !== 'passed' && !(c.id === 'S-12.F1' && c.verdict === 'info')).map((c) => `${c.id} ${c.verdict}: ${c.message}`)).toEqual([]);
    expect(clean.summary.cases.length).toBeGreaterThanOrEqual(10);
    expect(clean.code).toBe(0);
    const broken = await runWithSummary([...args, '--quirk', 'stomp.nested-escape-decoding']);
    const f1 = broken.summary.cases.find((c) => c.id === 'S-5.F1')!;
    expect(f1.verdict).toBe('failed');
    expect(f1.message).toMatch(/counterexample \(\d+ octets, after \d+ shrinks\)/);
    expect(broken.summary.totals.broken).toBe(0);
  }, 180_000);

  test('a session over TCP records its bytes, and a frame written one octet at a time is one frame to the server', async () => {
    const server = await startOamServer({ tls: false, stompTcpPort: 0 });
    try {
      const s = await StompSession.open({ url: server.stompTcpUrl! }, 'tcp');
      expect(s.transport).toBe('tcp');
      await s.connectOrThrow();
      const frame = Buffer.from('SUBSCRIBE\nid:0\ndestination:/queue/octets\nreceipt:r1\n\n\0');
      for (const octet of frame) {
        s.sendRaw(Uint8Array.of(octet));
        await new Promise((r) => setTimeout(r, 2));
      }
      const receipt = await s.nextCommand('RECEIPT', 2000);
      expect(header(receipt, 'receipt-id')).toBe('r1');
      const written = s.transcript.entries.filter((e) => e.dir === 'out');
      // One entry per write (repeated EOL writes are kept as one entry with a count).
      expect(written.reduce((n, e) => n + (e.repeat ?? 1), 0)).toBe(1 + frame.length);
      expect(s.transcript.render()).toMatch(/open stomp:\/\/127\.0\.0\.1:\d+ \(STOMP over TCP\)/);
      s.send({ command: 'DISCONNECT', headers: { receipt: 'bye' } });
      expect(header(await s.nextCommand('RECEIPT', 2000), 'receipt-id')).toBe('bye');
      const closed = await s.waitClosed(2000);
      expect(closed).toMatchObject({ by: 'server', clean: true });
    } finally {
      await server.close();
    }
  });

  describe('mock --stomp-tcp-port, then run --stomp-url stomp:// and stomp+ssl://', () => {
    const children: Array<ReturnType<typeof spawn>> = [];
    afterAll(() => {
      for (const child of children) child.kill('SIGTERM');
    });

    async function mock(plain: boolean): Promise<string> {
      const [oam, websocketd, auth, tcp] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const args = ['mock', ...(plain ? ['--plain'] : []), '--oam-port', String(oam), '--websocketd-port', String(websocketd), '--auth-port', String(auth), '--stomp-tcp-port', String(tcp)];
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      children.push(child);
      let out = '';
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`mock did not start: ${out}`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d;
          const m = /STOMP 1\.2 over (?:TCP|TLS): (\S+)/.exec(out);
          if (m && out.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
    }

    test.each([
      ['stomp://', true],
      ['stomp+ssl:// (--insecure)', false],
    ] as const)('%s: connection, receipts and transactions pass against the mock', async (_name, plain) => {
      const url = await mock(plain);
      expect(url).toMatch(plain ? /^stomp:\/\/127\.0\.0\.1:\d+$/ : /^stomp\+ssl:\/\/127\.0\.0\.1:\d+$/);
      const { code, summary } = await runWithSummary(['run', '--stomp-url', url, ...(plain ? [] : ['--insecure']), '--suite', 'stomp', '--grep', 'S-(1|8|15)\\.', '--no-html']);
      expect(summary.cases.length).toBeGreaterThan(15);
      expect(summary.cases.filter((c) => c.verdict !== 'passed' && c.verdict !== 'info').map((c) => `${c.id} ${c.verdict}: ${c.message}`)).toEqual([]);
      expect(code).toBe(0);
    }, 120_000);
  });
});

describe('STOMP URLs of a target', () => {
  test('--stomp-url takes ws://, wss://, stomp:// and stomp+ssl://, and nothing else', () => {
    for (const url of ['ws://h:1/ws', 'wss://h/ws', 'stomp://127.0.0.1:61613', 'stomp+ssl://broker.example:61614']) {
      expect(targetSpec(undefined, { stompUrl: url }).stomp?.url).toBe(url);
    }
    for (const url of ['http://h:1', 'tcp://h:1', 'stomp:/h']) expect(() => targetSpec(undefined, { stompUrl: url })).toThrow(TargetError);
  });

  test('a target file may name a stomp:// endpoint', () => {
    expect(parseTargetFile(JSON.stringify({ stomp: { url: 'stomp://127.0.0.1:61614', queuePrefix: '/queue/' } }), 't.json').stomp?.url).toBe('stomp://127.0.0.1:61614');
    expect(() => parseTargetFile(JSON.stringify({ stomp: { url: 'amqp://127.0.0.1:5672' } }), 't.json')).toThrow(/stomp\.url/);
  });
});
