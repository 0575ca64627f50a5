/**
 * A full run against the reference servers, as a user starts it (`npx rtc-conformance run`), N times (RUNS, default 3):
 * wall time, CPU time of the process tree, the longest case, the sum of case durations, wall / longest case, and the
 * time of each phase (start-up, collection, cases, reports, HTML), per run and as medians.
 *   npm run bench:run        (RUNS=5, ARGS='--no-html' to change the runs and the run's arguments)
 * Exits 1 when the median wall or CPU time is above its goal (issue 16: 12 s wall, 9 s CPU; 10 s wall with --no-html).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 3);
const ARGS = (process.env.ARGS ?? '').split(' ').filter(Boolean);
const html = !ARGS.includes('--no-html');
const GOALS = { wallS: html ? 12 : 10, cpuS: 9 };
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in clock ticks

interface Figures { wallS: number; cpuS: number; longestS: number; sumS: number; ratio: number; phases: Record<string, number> }

function once(): Figures {
  const reports = mkdtempSync(join(tmpdir(), 'rtc-bench-run-'));
  // The shell reaps the run and reports its children's CPU time (cutime + cstime of /proc/self/stat, fields 16 and 17).
  const script = `node bin/rtc-conformance.js run --reports '${reports}' ${ARGS.join(' ')} >/dev/null 2>&1; echo "rc=$?"; cat /proc/$$/stat`;
  const started = performance.now();
  const r = spawnSync('sh', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const wallS = (performance.now() - started) / 1000;
  const [rcLine, stat] = r.stdout.trim().split('\n');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[13]) + Number(fields[14])) / TICKS;
  const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')) as { cases: Array<{ durationMs: number }>; phases?: Record<string, number> };
  if (rcLine !== 'rc=0') process.stderr.write(`warning: the run exited with ${rcLine}\n`);
  const durations = summary.cases.map((c) => c.durationMs / 1000);
  const longestS = Math.max(...durations);
  const p = summary.phases ?? {};
  const phases: Record<string, number> = {
    'start-up': (p.startupMs ?? 0) / 1000,
    collection: ((p.collectMs ?? 0) - (p.startupMs ?? 0)) / 1000,
    cases: ((p.casesMs ?? 0) - (p.collectMs ?? 0)) / 1000,
    reports: ((p.reportsMs ?? 0) - (p.casesMs ?? 0)) / 1000,
    ...(html ? { HTML: ((p.htmlMs ?? 0) - (p.reportsMs ?? 0)) / 1000 } : {}),
  };
  return { wallS, cpuS, longestS, sumS: durations.reduce((a, b) => a + b, 0), ratio: wallS / longestS, phases };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (n: number) => n.toFixed(2).padStart(7);
const runs: Figures[] = [];
for (let i = 0; i < RUNS; i++) {
  const one = once();
  runs.push(one);
  process.stdout.write(`run ${i + 1}: wall ${f(one.wallS)} s  cpu ${f(one.cpuS)} s  longest case ${f(one.longestS)} s  sum of cases ${f(one.sumS)} s  wall/longest ${one.ratio.toFixed(1)}  phases ${Object.entries(one.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
}
const m = (k: keyof Omit<Figures, 'phases'>) => median(runs.map((r) => r[k]));
const phaseNames = Object.keys(runs[0].phases);
process.stdout.write(`\nmedian of ${RUNS}: wall ${m('wallS').toFixed(2)} s (goal ≤ ${GOALS.wallS}), cpu ${m('cpuS').toFixed(2)} s (goal ≤ ${GOALS.cpuS}), longest case ${m('longestS').toFixed(2)} s, sum of cases ${m('sumS').toFixed(2)} s, wall/longest ${m('ratio').toFixed(1)}\n`);
process.stdout.write(`phases (median s): ${phaseNames.map((k) => `${k} ${median(runs.map((r) => r.phases[k])).toFixed(2)}`).join(', ')}\n`);
const over = m('wallS') > GOALS.wallS || m('cpuS') > GOALS.cpuS;
if (over) process.stdout.write('ABOVE GOAL\n');
process.exit(over ? 1 : 0);
