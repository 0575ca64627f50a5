import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { BIN, ROOT, readSummary, tmp } from '../run-cli.ts';
import { reportTexts } from '../report/report-files.ts';

/**
 * A hostile target can cost a case, never the run's memory (issue 13): after a correct CONNECTED it sends 60 MiB
 * per connection, or floods heart-beats. The CLI's resident memory is sampled from /proc while it runs.
 */
const MiB = 1024 * 1024;

function hostile(kind: 'flood' | 'heartbeats'): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false, maxPayload: 4 * MiB });
  wss.on('connection', (ws: WebSocket) => {
    ws.once('message', async () => {
      ws.send('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
      const body = 'x'.repeat(MiB - 200);
      for (let i = 0; i < (kind === 'flood' ? 60 : 100_000) && ws.readyState === ws.OPEN; i++) {
        ws.send(kind === 'flood' ? `MESSAGE\ndestination:/topic/x\nmessage-id:${i}\nsubscription:0\n\n${body}\0` : '\n');
        // Loopback is fast, but the test process must not buffer 60 MiB per connection either.
        while (ws.bufferedAmount > 4 * MiB && ws.readyState === ws.OPEN) await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
  return new Promise((resolve) =>
    wss.once('listening', () =>
      resolve({ url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`, close: () => new Promise((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r()))) }),
    ),
  );
}

/**
 * The pid and its descendants (worker processes, if the pool forks), but not the Allure report generator the run
 * starts at its end: that is another tool's memory, for the moment it runs.
 */
function tree(pid: number): number[] {
  try {
    if (/allure/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return [];
  } catch {
    return [];
  }
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) out.push(...tree(Number(c)));
    }
  } catch {
    // gone
  }
  return out;
}

/** Runs the CLI and samples the RSS of its whole process tree (VmRSS, threads included) every 50 ms. */
function runSampled(args: string[]): Promise<{ code: number | null; peakMb: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let peak = 0;
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setInterval(() => {
      try {
        let kb = 0;
        for (const pid of tree(child.pid!)) kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // the process has ended
      }
    }, 50);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, peakMb: Math.round(peak), out });
    });
  });
}

const CASES = 'S-1.1,S-1.2,S-3.1,S-3.2,S-7.3,S-8.1,S-8.2,S-8.3,S-9.1,S-10.1,S-13.1,S-4.1';

describe('a hostile target costs a case, never the run', () => {
  let flood: Awaited<ReturnType<typeof hostile>>;
  let beats: Awaited<ReturnType<typeof hostile>>;
  let reference: RunningOamServer;
  /** The same cases against a well-behaved server: what the harness itself takes. */
  let normalMb = 0;
  beforeAll(async () => {
    [flood, beats, reference] = await Promise.all([hostile('flood'), hostile('heartbeats'), startOamServer({ tls: false })]);
    const r = await runSampled(['run', '--stomp-url', reference.stompUrl, '--case', CASES, '--reports', tmp()]);
    expect(r.code, r.out.slice(-2000)).toBe(0);
    normalMb = r.peakMb;
  }, 240_000);
  afterAll(async () => {
    await Promise.all([flood.close(), beats.close(), reference.close()]);
  });

  // The two hostile runs mostly wait on the cases' deadlines (the peer answers nothing useful): they run at once, each
  // sampling its own process tree.
  for (const kind of ['flood', 'heartbeats'] as const) {
    test.concurrent(`${kind === 'flood' ? '60 MiB per connection' : '100,000 heart-beat EOLs per connection'}: the harness stays under 400 MB (< 150 MB more than a normal run), the report under 6 MB, the run ends with its reports`, async () => {
      const reports = tmp();
      const target = kind === 'flood' ? flood : beats;
      const r = await runSampled(['run', '--stomp-url', target.url, '--case', CASES, '--reports', reports]);
      const size = reportTexts(reports).filter((f) => !f.file.endsWith('(embedded)')).reduce((n, f) => n + Buffer.byteLength(f.text), 0);
      process.stdout.write(`hostile ${kind}: harness peak RSS ${r.peakMb} MB (the same cases against a well-behaved server: ${normalMb} MB), reports ${(size / MiB).toFixed(1)} MiB\n`);
      expect(r.code, r.out.slice(-3000)).toBe(1);
      expect(readSummary(reports).cases.length).toBe(CASES.split(',').length);
      // The hostile peer's cost: what the harness takes beyond a normal run of the same cases; and the harness stays
      // under 400 MB whatever the peer sends (issue 13).
      expect(r.peakMb - normalMb).toBeLessThan(150);
      expect(r.peakMb).toBeLessThan(400);
      expect(size).toBeLessThan(6 * MiB);
    }, 240_000);
  }
});
