import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, readSummary, ROOT, tmp } from '../run-cli.ts';

/**
 * Hostile peers against the hooks side (issue 13, points 2 and 5), loopback only, bounded in count and time:
 * - the echo hook backend (a reference server), in a child process so that its RSS is its own: a 200 MiB hook body
 *   and slow hook bodies / heads; its RSS must stay bounded and a good hook must be answered afterwards;
 * - a CLI run of the hooks suite while every port the run listens on gets hostile requests (the old control path
 *   with `{not json`, oversize bodies, unknown faults, garbage): the run must end as usual, with its reports.
 */
const MiB = 1024 * 1024;
const RSS_BOUND_MB = 150;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Samples a process's RSS every 20 ms; `peak()` is the highest since the last `reset()`. */
function sampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process ended
    }
  }, 20);
  return { peak: () => peak, reset: () => (peak = rssMb(pid)), stop: () => clearInterval(timer) };
}

/** The echo backend alone in a child process, with short slowloris timeouts so that the test is quick. */
async function startChildBackend(): Promise<{ child: ChildProcess; url: string; port: number }> {
  const backend = pathToFileURL(join(ROOT, 'mocks/wcs/backend.ts')).href;
  const code = `const { startEchoBackend } = await import(${JSON.stringify(backend)});
const b = await startEchoBackend({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
process.stdout.write(JSON.stringify({ url: b.url }) + '\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the echo backend exited (${code})`)));
  });
  const url = JSON.parse(line).url as string;
  return { child, url, port: Number(new URL(url).port) };
}

/** Sends `total` octets of body after `head` as fast as the peer reads them; resolves with the first response octets. */
function flood(port: number, head: string, total: number, chunked: boolean): Promise<{ answer: string; sent: number }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answer = '';
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(MiB, 'x');
    const frame = chunked ? Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ answer, sent });
    };
    const pump = () => {
      while (!done && sent < total && answer === '') {
        sent += MiB;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (sent >= total && chunked) socket.write('0\r\n\r\n');
    };
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (answer.includes('\r\n\r\n')) setTimeout(finish, 50);
    });
    socket.on('error', finish);
    socket.on('close', finish);
    setTimeout(finish, 20_000);
    socket.write(head, pump);
  });
}

async function goodHook(url: string): Promise<number> {
  const r = await request(`${url}/connect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nodeId: 'n', appKey: 'k', sessionId: 's' }) });
  await r.body.text();
  return r.statusCode;
}

describe('the echo hook backend under hostile peers', () => {
  let backend: Awaited<ReturnType<typeof startChildBackend>>;
  let rss: ReturnType<typeof sampler>;
  let idleMb = 0;
  beforeAll(async () => {
    backend = await startChildBackend();
    expect(await goodHook(backend.url)).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    idleMb = rssMb(backend.child.pid!);
    rss = sampler(backend.child.pid!);
  }, 30_000);
  afterAll(() => {
    rss?.stop();
    backend?.child.kill();
  });

  test.each([
    ['with Content-Length', false],
    ['chunked', true],
  ] as const)('a 200 MiB hook body (%s) is answered 413, the RSS stays bounded, a good hook is answered after', async (_how, chunked) => {
    rss.reset();
    const path = new URL(backend.url).pathname;
    const head = `POST ${path}/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${200 * MiB}`}\r\n\r\n`;
    const { answer, sent } = await flood(backend.port, head, 200 * MiB, chunked);
    await new Promise((r) => setTimeout(r, 200));
    const peak = rss.peak();
    process.stdout.write(`echo backend, 200 MiB body (${chunked ? 'chunked' : 'Content-Length'}): idle RSS ${idleMb.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; ${(sent / MiB).toFixed(0)} MiB sent before the answer: ${answer.split('\r\n')[0] || '(none)'}\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(peak - idleMb, `peak RSS ${peak.toFixed(0)} MB vs idle ${idleMb.toFixed(0)} MB`).toBeLessThan(RSS_BOUND_MB);
    expect(await goodHook(backend.url)).toBe(200);
  }, 40_000);

  test('40 slow bodies and 40 slow heads are cut (408 or close) within the request timeouts; a good hook is answered after', async () => {
    rss.reset();
    const path = new URL(backend.url).pathname;
    const started = Date.now();
    const slow = (kind: 'body' | 'head') =>
      new Promise<{ ms: number; answer: string }>((resolve) => {
        const socket = connect({ port: backend.port, host: '127.0.0.1' });
        let answer = '';
        const timer = setInterval(() => socket.write(kind === 'body' ? 'x' : `X-Slow-${Math.random().toString(36).slice(2, 6)}: 1\r\n`), 200);
        const end = () => {
          clearInterval(timer);
          clearTimeout(cap);
          socket.destroy();
          resolve({ ms: Date.now() - started, answer: answer.split('\r\n')[0] });
        };
        const cap = setTimeout(end, 10_000);
        socket.on('data', (d) => (answer += d.toString('latin1')));
        socket.on('close', end);
        socket.on('error', end);
        socket.write(kind === 'body' ? `POST ${path}/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{` : `POST ${path}/connect HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      });
    const results = await Promise.all([...Array.from({ length: 40 }, () => slow('body')), ...Array.from({ length: 40 }, () => slow('head'))]);
    const slowest = Math.max(...results.map((r) => r.ms));
    const answers = [...new Set(results.map((r) => r.answer || '(closed)'))];
    process.stdout.write(`echo backend, 80 slow peers: all cut after ≤ ${slowest} ms (${answers.join(', ')}); peak RSS ${rss.peak().toFixed(0)} MB (idle ${idleMb.toFixed(0)} MB)\n`);
    // requestTimeoutMs 2000 plus the server's check interval and load.
    expect(slowest).toBeLessThan(4500);
    for (const a of answers) expect(['HTTP/1.1 408 Request Timeout', '(closed)']).toContain(a);
    expect(rss.peak() - idleMb).toBeLessThan(RSS_BOUND_MB);
    expect(await goodHook(backend.url)).toBe(200);
  }, 30_000);
});

/** Listening TCP ports of a process (Linux: its socket inodes matched against /proc/net/tcp{,6}). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.add(parseInt(f[1].split(':')[1], 16));
    }
  }
  return [...ports];
}

/** What a hostile peer on loopback sends to every port it finds: it knows ports, not the control path or token. */
async function hostileRequests(port: number): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const attempts: Array<[string, string, string | Buffer, Record<string, string>?]> = [
    ['POST', '/_rtc/faults?marker=x', '{not json'],
    ['POST', '/_rtc/faults?marker=x', '{"connect":{"kind":"explode"}}'],
    ['GET', '/_rtc/deliveries?marker=x', ''],
    ['POST', '/apps/rtc/connect', '{not json'],
    ['POST', '/apps/rtc/connect', '{"payload":{"rtcCase":"rtc-00000000-0000-0000-0000-000000000000"}'],
    ['POST', '/_rtc/faults?marker=x', Buffer.alloc(2 * MiB, 'x')],
    ['POST', '/apps/rtc/OnDataEvent', Buffer.alloc(10 * MiB, '[')],
  ];
  await Promise.all(
    attempts.map(async ([method, path, body, headers]) => {
      try {
        const r = await request(`${base}${path}`, { method: method as 'POST', body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json', ...headers }, headersTimeout: 3000, bodyTimeout: 3000 });
        await r.body.text();
      } catch {
        // not HTTP, TLS, closed on us: all fine, the run is what is judged
      }
    }),
  );
  // Raw garbage, and a head that never ends.
  await new Promise<void>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write('\x00\x01GARBAGE\r\n\r\n{not json'));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => (s.destroy(), resolve()), 1000);
  });
}

describe('a run whose ports get hostile requests', () => {
  test('run --suite hooks ends as usual, with summary.json, while every port it listens on is attacked', async () => {
    const reports = tmp('rtc-hostile-hooks-');
    let attacked: Promise<number[]> | undefined;
    const r = await cli(['run', '--suite', 'hooks', '--no-html', '--seed', '1', '--reports', reports], {
      timeoutMs: 120_000,
      onLine: (line, child) => {
        // Once cases run, the servers are up: attack them all, twice.
        if (!attacked && /^\s*1\/\S+ /.test(line)) {
          attacked = (async () => {
            const ports = listeningPorts(child.pid!);
            for (let round = 0; round < 2; round++) await Promise.all(ports.map(hostileRequests));
            return ports;
          })();
        }
      },
    });
    const ports = await attacked;
    process.stdout.write(`hostile run: ${ports?.length ?? 0} listening ports attacked; exit ${r.code}\n`);
    expect(ports?.length ?? 0, 'the run listened on no port: nothing was attacked').toBeGreaterThan(3);
    expect(r.code, r.out.slice(-2000)).toBe(0);
    const summary = readSummary(reports);
    expect(summary.cases.length).toBeGreaterThan(40);
    expect(summary.cases.filter((c) => c.verdict === 'broken' || c.verdict === 'failed').map((c) => c.id)).toEqual([]);
  }, 150_000);
});
