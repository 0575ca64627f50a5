import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../run-cli.ts';

/** A reference server started in its own process (test/hostile/serve-reference.ts), with its RSS readable. */
export interface ServedReference {
  urls: Record<string, string>;
  pid: number;
  rssMb(): number;
  stop(): Promise<void>;
}

export async function serveReference(which: string, env: Record<string, string> = {}): Promise<ServedReference> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/hostile/serve-reference.ts'), which], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`the reference server exited with ${code}`)));
  });
  return {
    urls,
    pid: child.pid!,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

/** Samples `rss` every 50 ms while `work` runs; the peak in MB. */
export async function peakDuring(rss: () => number, work: () => Promise<void>): Promise<number> {
  let peak = rss();
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.round(Math.max(peak, rss()));
}
