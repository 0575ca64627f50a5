import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../src/report/summary.ts';

/** Runs the CLI as a user would (its own process, no colours) for the harness's end-to-end tests. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin/rtc-conformance.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came. */
  out: string;
}

export function cli(args: string[], opts: { timeoutMs?: number; onLine?: (line: string, child: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const r: CliResult = { code: null, stdout: '', stderr: '', out: '' };
    const take = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
      r[stream] += d;
      r.out += d;
      if (opts.onLine) for (const line of d.toString().split('\n')) opts.onLine(line, child);
    };
    child.stdout!.on('data', take('stdout'));
    child.stderr!.on('data', take('stderr'));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ...r, code });
    });
  });
}

export const tmp = (prefix = 'rtc-') => mkdtempSync(join(tmpdir(), prefix));

export function readSummary(reports: string): RunSummary {
  return JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')) as RunSummary;
}

/** `rtc-conformance <args> --reports <fresh folder>` and the summary.json it wrote. */
export async function runWithSummary(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult & { summary: RunSummary; reports: string }> {
  const reports = tmp('rtc-reports-');
  const r = await cli([...args, '--reports', reports], opts);
  return { ...r, summary: readSummary(reports), reports };
}

/** Case id → verdict, from a reports folder. */
export function verdicts(reports: string): Record<string, string> {
  return Object.fromEntries(readSummary(reports).cases.map((c) => [c.id, c.verdict]));
}
