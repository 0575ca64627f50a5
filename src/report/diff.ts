import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Verdict } from '../case.ts';
import { OBSERVATION_KINDS, stableText, transcriptFileName, type CaseTranscripts, type Observation, type ObservationKind } from './observations.ts';
import { compareIds, type CaseResult, type RunSummary } from './summary.ts';

/**
 * The behavioural diff of two runs (`rtc-conformance diff BASE CANDIDATE`, `run --compare BASE`): verdict changes
 * (regressions first), observation changes beyond a tolerance per kind, cases added or removed, and for a changed
 * case the frames that differ between its two transcripts.
 */

/** A report that cannot be compared (missing, not JSON, not a summary): exit 2, naming the problem. */
export class DiffInputError extends Error {
  override name = 'DiffInputError';
}

export interface LoadedRun {
  /** As given on the command line. */
  path: string;
  summary: RunSummary;
  /** `transcripts/` next to the summary, when the run wrote one. */
  transcriptsDir?: string;
}

export function loadRun(path: string, role = 'report'): LoadedRun {
  if (!existsSync(path)) throw new DiffInputError(`${role} ${path}: no such file or folder`);
  const file = statSync(path).isDirectory() ? join(path, 'summary.json') : path;
  if (!existsSync(file)) throw new DiffInputError(`${role} ${path}: the folder holds no summary.json (is it the --reports folder of a run?)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DiffInputError(`${role} ${file}: not valid JSON (${(err as Error).message})`);
  }
  const s = data as Partial<RunSummary> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.cases) || typeof s.totals !== 'object') {
    throw new DiffInputError(`${role} ${file}: not a summary.json of rtc-conformance (no "cases" and "totals")`);
  }
  const bad = s.cases.find((c) => !c || typeof c.id !== 'string' || typeof c.verdict !== 'string');
  if (bad) throw new DiffInputError(`${role} ${file}: a case without id or verdict (${JSON.stringify(bad).slice(0, 100)})`);
  const transcripts = join(dirname(file), 'transcripts');
  return { path, summary: s as RunSummary, ...(existsSync(transcripts) ? { transcriptsDir: transcripts } : {}) };
}

/** Tolerance of a number: a change is within it when |Δ| ≤ max(absolute, relative × |base|). */
export interface Tolerance {
  absolute: number;
  relative: number;
}

export type Tolerances = Record<ObservationKind, Tolerance>;

/** Timings ±20 % or ±50 ms, whichever is larger; counts, codes and text exactly. */
export const DEFAULT_TOLERANCES: Tolerances = {
  timing: { absolute: 50, relative: 0.2 },
  count: { absolute: 0, relative: 0 },
  code: { absolute: 0, relative: 0 },
  text: { absolute: 0, relative: 0 },
};

/** `--tolerance kind=VALUE[,VALUE]`, VALUE being `N%` (relative) or `N` / `Nms` (absolute); unnamed parts stay 0. */
export function parseTolerance(spec: string, into: Tolerances = structuredClone(DEFAULT_TOLERANCES)): Tolerances {
  const m = /^(\w+)=(.+)$/.exec(spec.trim());
  if (!m) throw new DiffInputError(`--tolerance: "${spec}" is not KIND=VALUE (e.g. timing=20%,50ms or count=1)`);
  const kind = m[1] as ObservationKind;
  if (!OBSERVATION_KINDS.includes(kind)) throw new DiffInputError(`--tolerance: "${m[1]}" is not one of ${OBSERVATION_KINDS.join(', ')}`);
  const t: Tolerance = { absolute: 0, relative: 0 };
  for (const part of m[2].split(',')) {
    const v = /^(\d+(?:\.\d+)?)(%|ms)?$/.exec(part.trim());
    if (!v) throw new DiffInputError(`--tolerance: "${part}" is not a number, N% or Nms`);
    if (v[2] === '%') t.relative = Number(v[1]) / 100;
    else t.absolute = Number(v[1]);
  }
  if ((kind === 'code' || kind === 'text') && (t.absolute || t.relative)) throw new DiffInputError(`--tolerance: ${kind} observations are compared exactly`);
  into[kind] = t;
  return into;
}

export function describeTolerance(t: Tolerance, kind: ObservationKind): string {
  if (kind === 'code' || kind === 'text' || (!t.absolute && !t.relative)) return 'exact';
  const unit = kind === 'timing' ? ' ms' : '';
  return [t.relative ? `±${+(t.relative * 100).toFixed(2)} %` : '', t.absolute ? `±${t.absolute}${unit}` : ''].filter(Boolean).join(' or ');
}

export interface ObservationChange {
  name: string;
  kind: ObservationKind;
  /** Absent: the observation is new in the candidate. */
  base?: number | string;
  /** Absent: the observation is gone in the candidate. */
  candidate?: number | string;
  /** candidate − base, for numbers. */
  delta?: number;
}

export interface FrameDifference {
  transcript: string;
  dir: 'out' | 'in' | 'close';
  /** Absent: the candidate has a frame the base did not. */
  base?: string;
  /** Absent: the base had a frame the candidate does not. */
  candidate?: string;
}

export type ChangeKind = 'regression' | 'verdict' | 'fix' | 'observations';

export interface CaseChange {
  id: string;
  title: string;
  suite: string;
  level: string;
  change: ChangeKind;
  base: Verdict;
  candidate: Verdict;
  baseMessage?: string;
  candidateMessage?: string;
  observations: ObservationChange[];
  /** The frames that differ, when both runs kept the case's transcripts. */
  frames?: FrameDifference[];
  /** Why there is no frame diff. */
  framesNote?: string;
}

export interface RunDiff {
  base: { path: string; target: string; version: string; startedAt: string; cases: number };
  candidate: { path: string; target: string; version: string; startedAt: string; cases: number };
  tolerances: Tolerances;
  /** Regressions, then other verdict changes, then fixes, then cases whose observations alone changed. */
  changes: CaseChange[];
  added: Array<Pick<CaseResult, 'id' | 'title' | 'verdict'>>;
  removed: Array<Pick<CaseResult, 'id' | 'title' | 'verdict'>>;
  counts: { regressions: number; verdictChanges: number; fixes: number; observationChanges: number; added: number; removed: number; compared: number };
  /** Largest within-tolerance drift per numeric kind (what a stability check reports). */
  drift: Partial<Record<ObservationKind, { name: string; id: string; base: number; candidate: number; delta: number }>>;
  warnings: string[];
  summary: string;
}

const BAD = new Set<Verdict>(['failed', 'broken']);

function classify(base: Verdict, candidate: Verdict): ChangeKind | undefined {
  if (base === candidate) return undefined;
  if (!BAD.has(base) && BAD.has(candidate)) return 'regression';
  if (BAD.has(base) && !BAD.has(candidate) && candidate !== 'skipped') return 'fix';
  return 'verdict';
}

const ORDER: Record<ChangeKind, number> = { regression: 0, verdict: 1, fix: 2, observations: 3 };

function withinTolerance(base: number, candidate: number, t: Tolerance): boolean {
  return Math.abs(candidate - base) <= Math.max(t.absolute, t.relative * Math.abs(base)) + 1e-9;
}

export function compareObservations(
  base: readonly Observation[] = [],
  candidate: readonly Observation[] = [],
  tolerances: Tolerances = DEFAULT_TOLERANCES,
  onDrift?: (o: Observation, base: number, candidate: number) => void,
): ObservationChange[] {
  const b = new Map(base.map((o) => [o.name, o]));
  const c = new Map(candidate.map((o) => [o.name, o]));
  const out: ObservationChange[] = [];
  for (const [name, bo] of b) {
    const co = c.get(name);
    if (!co) {
      out.push({ name, kind: bo.kind, base: bo.value });
      continue;
    }
    if (typeof bo.value === 'number' && typeof co.value === 'number' && (bo.kind === 'timing' || bo.kind === 'count') && co.kind === bo.kind) {
      if (withinTolerance(bo.value, co.value, tolerances[bo.kind])) onDrift?.(bo, bo.value, co.value);
      else out.push({ name, kind: bo.kind, base: bo.value, candidate: co.value, delta: round(co.value - bo.value) });
    } else if (stableText(String(bo.value)) !== stableText(String(co.value))) {
      out.push({ name, kind: bo.kind, base: bo.value, candidate: co.value });
    }
  }
  for (const [name, co] of c) if (!b.has(name)) out.push({ name, kind: co.kind, candidate: co.value });
  return out;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Compares two runs. `transcripts: false` leaves out the frame diffs (the stability check does not need them). */
export function diffRuns(base: LoadedRun, candidate: LoadedRun, options: { tolerances?: Tolerances; transcripts?: boolean } = {}): RunDiff {
  const tolerances = options.tolerances ?? DEFAULT_TOLERANCES;
  const warnings: string[] = [];
  const bCases = new Map(base.summary.cases.map((c) => [c.id, c]));
  const cCases = new Map(candidate.summary.cases.map((c) => [c.id, c]));
  const drift: RunDiff['drift'] = {};
  const changes: CaseChange[] = [];
  const noObs = (s: RunSummary) => s.cases.length > 0 && s.cases.every((c) => !c.observations);
  if (noObs(base.summary)) warnings.push(`${base.path} records no observations (a run of an older harness?): only verdicts are compared`);
  if (noObs(candidate.summary)) warnings.push(`${candidate.path} records no observations: only verdicts are compared`);
  const compareObs = !noObs(base.summary) && !noObs(candidate.summary);
  for (const [id, b] of bCases) {
    const c = cCases.get(id);
    if (!c) continue;
    const observations = compareObs
      ? compareObservations(b.observations, c.observations, tolerances, (o, bv, cv) => {
          const d = Math.abs(cv - bv);
          const cur = drift[o.kind];
          if (d > 0 && (!cur || d > Math.abs(cur.delta))) drift[o.kind] = { name: o.name, id, base: bv, candidate: cv, delta: round(cv - bv) };
        })
      : [];
    const change = classify(b.verdict, c.verdict) ?? (observations.length ? 'observations' : undefined);
    if (!change) continue;
    const entry: CaseChange = {
      id,
      title: c.title,
      suite: c.suite,
      level: c.level,
      change,
      base: b.verdict,
      candidate: c.verdict,
      ...(b.message ? { baseMessage: b.message } : {}),
      ...(c.message ? { candidateMessage: c.message } : {}),
      observations,
    };
    if (options.transcripts !== false) Object.assign(entry, frameDiff(base, candidate, id));
    changes.push(entry);
  }
  changes.sort((x, y) => ORDER[x.change] - ORDER[y.change] || compareIds(x.id, y.id));
  const pick = (c: CaseResult) => ({ id: c.id, title: c.title, verdict: c.verdict });
  const added = candidate.summary.cases.filter((c) => !bCases.has(c.id)).map(pick).sort((x, y) => compareIds(x.id, y.id));
  const removed = base.summary.cases.filter((c) => !cCases.has(c.id)).map(pick).sort((x, y) => compareIds(x.id, y.id));
  const count = (k: ChangeKind) => changes.filter((c) => c.change === k).length;
  const counts = {
    regressions: count('regression'),
    verdictChanges: count('verdict'),
    fixes: count('fix'),
    observationChanges: changes.filter((c) => c.observations.length > 0).length,
    added: added.length,
    removed: removed.length,
    compared: [...bCases.keys()].filter((id) => cCases.has(id)).length,
  };
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const summary =
    `${plural(counts.regressions, 'regression')}, ${plural(counts.verdictChanges, 'other verdict change')}, ${plural(counts.fixes, 'fix', 'fixes')}, ` +
    `${plural(counts.observationChanges, 'case')} with changed observations, ${counts.added} added, ${counts.removed} removed ` +
    `(${counts.compared} cases compared)`;
  const side = (r: LoadedRun) => ({ path: r.path, target: r.summary.target, version: r.summary.version, startedAt: r.summary.startedAt, cases: r.summary.cases.length });
  return { base: side(base), candidate: side(candidate), tolerances, changes, added, removed, counts, drift, warnings, summary };
}

/** Exit code of `diff`: 1 when something counted regressed (verdicts; with `observations`, any observation change too). */
export function diffExitCode(d: RunDiff, failOn: 'verdicts' | 'observations' = 'verdicts'): number {
  if (d.counts.regressions > 0) return 1;
  if (failOn === 'observations' && d.counts.observationChanges > 0) return 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Transcript diff: per connection (by label and order), the frames of each direction aligned by order (longest common
// subsequence of their stable text), time offsets ignored. Heart-beats and the harness's notes are left out.

const MAX_FRAME_DIFFS = 40;

function readTranscripts(run: LoadedRun, id: string): CaseTranscripts | undefined {
  if (!run.transcriptsDir) return undefined;
  const file = join(run.transcriptsDir, transcriptFileName(id));
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CaseTranscripts;
  } catch {
    return undefined;
  }
}

function frameDiff(base: LoadedRun, candidate: LoadedRun, id: string): Pick<CaseChange, 'frames' | 'framesNote'> {
  const b = readTranscripts(base, id);
  const c = readTranscripts(candidate, id);
  if (!b || !c) return { framesNote: `no transcripts/${transcriptFileName(id)} in ${!b ? base.path : candidate.path}` };
  return { frames: diffTranscripts(b, c).slice(0, MAX_FRAME_DIFFS) };
}

export function diffTranscripts(base: CaseTranscripts, candidate: CaseTranscripts): FrameDifference[] {
  const label = (list: CaseTranscripts['transcripts']) => {
    const seen = new Map<string, number>();
    return list.map((t) => {
      const l = stableText(t.label);
      const n = (seen.get(l) ?? 0) + 1;
      seen.set(l, n);
      return { name: n === 1 ? l : `${l} #${n}`, t };
    });
  };
  const bl = label(base.transcripts);
  const cl = label(candidate.transcripts);
  const out: FrameDifference[] = [];
  const names = [...new Set([...bl.map((x) => x.name), ...cl.map((x) => x.name)])];
  for (const name of names) {
    const bt = bl.find((x) => x.name === name)?.t;
    const ct = cl.find((x) => x.name === name)?.t;
    for (const dir of ['out', 'in'] as const) {
      const frames = (t: typeof bt) => (t?.entries ?? []).filter((e) => e.dir === dir && !isHeartbeat(e.text)).map((e) => stableText(e.text));
      for (const d of align(frames(bt), frames(ct))) out.push({ transcript: name, dir, ...d });
    }
    const close = (t: typeof bt) => (t?.close ? `code=${t.close.code} reason=${JSON.stringify(stableText(t.close.reason))}` : undefined);
    if (close(bt) !== close(ct)) out.push({ transcript: name, dir: 'close', ...(close(bt) ? { base: close(bt) } : {}), ...(close(ct) ? { candidate: close(ct) } : {}) });
  }
  return out;
}


function isHeartbeat(text: string): boolean {
  return /^(␍?↵)+$/.test(text);
}

/** The differing frames of two sequences: pairs where one replaced the other, then lone extra or missing frames. */
function align(a: string[], b: string[]): Array<{ base?: string; candidate?: string }> {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Array<{ base?: string; candidate?: string }> = [];
  let i = 0;
  let j = 0;
  const gone: string[] = [];
  const come: string[] = [];
  const flush = () => {
    // A frame missing where another came is shown as one replaced by the other (aligned by order).
    while (gone.length || come.length) {
      const x = gone.shift();
      const y = come.shift();
      out.push({ ...(x !== undefined ? { base: x } : {}), ...(y !== undefined ? { candidate: y } : {}) });
    }
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++, j++;
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) gone.push(a[i++]);
    else come.push(b[j++]);
  }
  flush();
  return out;
}
