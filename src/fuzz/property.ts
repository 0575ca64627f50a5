import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { CaseContext } from '../case.ts';
import { ConformanceFailure, HarnessError } from '../case.ts';
import type { Transcript } from '../transport/transcript.ts';
import { DEFAULT_FUZZ, type FuzzSettings } from './settings.ts';

export { DEFAULT_FUZZ, type FuzzSettings } from './settings.ts';

/**
 * Property-based fuzzing over the wire (Schemathesis-style): a fast-check property drives the target, a failure is
 * shrunk to a minimal counterexample, replayed once more with recording on for the report, and given a one-line
 * replay command. Saved counterexamples (fixtures/fuzz/) become regression cases of their own in every later run.
 */
/** A property's judgement of one input: undefined when the target behaved, else what was expected and seen. */
export type Finding = { expected: string; actual: string } | undefined;

export interface FuzzProperty<T> {
  arbitrary: fc.Arbitrary<T>;
  /**
   * Drives the target with one input. `record` is set for the final replay: sessions opened then go into the report.
   * `written` is called once the input has been handed to the target: the per-input deadline starts there.
   */
  check(value: T, record?: (t: Transcript) => void, written?: () => void): Promise<Finding>;
  /** The input as the target saw it (frame bytes, message), for the report and the size figure. */
  show(value: T): { text: string; octets: number };
  /**
   * Deadline of one input (a hang is a finding, never a stuck run). It counts from `written()` when the property calls
   * it and says so in `deadlineFromWrite` (the harness's own work, opening sessions, building the input, does not count
   * against the target), else from the start of the check.
   */
  perRunMs: number;
  /** The property calls `written()`: its deadline counts from there. */
  deadlineFromWrite?: boolean;
  /** The property builds very large inputs: it never runs beside another property of the same process. */
  large?: boolean;
  /** Set up before the first input (sessions that live across inputs) and torn down after the last. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));

/** A counterexample as saved: under fixtures/fuzz/ it is replayed first in every run of its case. */
export interface SavedCounterexample<T = unknown> {
  case: string;
  input: T;
  found: string;
  seed: number;
  path: string;
}

/**
 * The saved counterexamples of one fuzz case, each with its regression case id: `S-5.R2` is the second saved
 * counterexample (by file name) among all fuzz cases of clause S-5.
 */
export function savedCounterexamples<T>(caseId: string): Array<SavedCounterexample<T> & { file: string; regressionId: string }> {
  if (!existsSync(FIXTURES)) return [];
  const clause = caseId.replace(/\.F\d+$/, '');
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as SavedCounterexample<T>) }))
    .filter((s) => s.case.replace(/\.F\d+$/, '') === clause)
    .map((s, i) => ({ ...s, regressionId: `${clause}.R${i + 1}` }))
    .filter((s) => s.case === caseId);
}

/** A saved counterexample replayed as a regression case: one input, always recorded. */
export async function runSaved<T>(c: CaseContext, saved: SavedCounterexample<T> & { file: string }, property: FuzzProperty<T>): Promise<void> {
  await property.setup?.();
  try {
    const shown = property.show(saved.input);
    c.measure('input octets', shown.octets);
    c.attach('saved counterexample', `fixtures/fuzz/${saved.file}\n\n${shown.text}\n\nfound then: ${saved.found}`);
    const finding = await withDeadline((written) => property.check(saved.input, (t) => c.transcripts.push(t), written), property.perRunMs, property.deadlineFromWrite);
    if (finding) throw new ConformanceFailure(finding.expected, finding.actual, `saved counterexample fixtures/fuzz/${saved.file}: ${shown.text}`);
  } finally {
    await property.teardown?.();
  }
}

class PropertyFailure extends Error {
  constructor(readonly finding: NonNullable<Finding>) {
    super(`Expected: ${finding.expected}\nActual:   ${finding.actual}`);
  }
}

/** The run's fuzz settings, handed over by the CLI (or defaults when vitest runs the suite directly). */
export function fuzzSettings(options: { fuzz?: FuzzSettings }): FuzzSettings {
  return { ...DEFAULT_FUZZ, ...options.fuzz };
}

export async function runFuzz<T>(c: CaseContext, seed: number, settings: FuzzSettings, property: FuzzProperty<T>): Promise<void> {
  const release = await PROPERTIES.acquire(property.large === true);
  try {
    await runAlone(c, seed, settings, property);
  } finally {
    release();
  }
}

/**
 * Properties of one process take turns with the large ones: a property building very large inputs blocks the event
 * loop while it does, so that another property's timers would fire late and its target look hung.
 */
class TurnTaking {
  private running = 0;
  private largeRunning = false;
  private readonly queue: Array<{ large: boolean; go: () => void }> = [];

  acquire(large: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push({ large, go: () => resolve(() => this.release(large)) });
      this.pump();
    });
  }

  private release(large: boolean): void {
    this.running--;
    if (large) this.largeRunning = false;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length && !this.largeRunning) {
      const next = this.queue[0];
      if (next.large && this.running > 0) return;
      this.queue.shift();
      this.running++;
      if (next.large) this.largeRunning = true;
      next.go();
    }
  }
}

const PROPERTIES = new TurnTaking();

async function runAlone<T>(c: CaseContext, seed: number, settings: FuzzSettings, property: FuzzProperty<T>): Promise<void> {
  const replay = settings.replay?.id === c.meta.id ? settings.replay : undefined;
  const started = Date.now();
  await property.setup?.();
  let details: fc.RunDetails<[T]>;
  try {
    details = await fc.check(
      fc.asyncProperty(property.arbitrary, async (value) => {
        const finding = await withDeadline((written) => property.check(value, undefined, written), property.perRunMs, property.deadlineFromWrite);
        if (finding) throw new PropertyFailure(finding);
      }),
      {
        seed,
        numRuns: settings.runs,
        interruptAfterTimeLimit: settings.timeMs,
        ...(replay ? { path: replay.path, endOnFailure: true } : {}),
      },
    );
  } finally {
    await property.teardown?.();
  }
  const seconds = (Date.now() - started) / 1000;
  c.measure('seed', seed);
  c.measure('inputs tried', details.numRuns);
  c.measure('inputs per second', Math.round(details.numRuns / Math.max(seconds, 0.001)));
  if (details.interrupted) c.note(`stopped by the --fuzz-time budget (${settings.timeMs / 1000} s) after ${details.numRuns} inputs`);
  if (!details.failed && replay) {
    // The input at that path passed this time: say so, never report another input in its place.
    throw new HarnessError(`did not reproduce: flaky or timing (the input at path ${replay.path} of seed ${seed} passed this time)`);
  }
  if (!details.failed) return;

  const value = details.counterexample![0];
  if (!(details.errorInstance instanceof PropertyFailure)) {
    // Not a finding: the harness or the connection failed (a flow step, a refused socket). The case is broken.
    c.note(`harness or connection error on the input ${JSON.stringify(value)} (seed ${seed}, path ${details.counterexamplePath})`);
    throw details.errorInstance;
  }
  const shown = property.show(value);
  c.measure('shrinks', details.numShrinks);
  c.measure('counterexample octets', shown.octets);
  // The shrunk input once more, recorded, so that the report shows exactly what the target did with it.
  const again = await withDeadline((written) => property.check(value, (t) => c.transcripts.push(t), written), property.perRunMs, property.deadlineFromWrite).catch((err) => ({
    expected: 'a verdict within the deadline',
    actual: (err as Error).message,
  }));
  const finding = again ?? details.errorInstance.finding;
  const path = details.counterexamplePath ?? '';
  const command = replayCommand(c.meta.id, seed, path, settings.targetArgs);
  const saved: SavedCounterexample<T> = { case: c.meta.id, input: value, found: finding.actual, seed, path };
  if (settings.outDir) {
    mkdirSync(settings.outDir, { recursive: true });
    const file = join(settings.outDir, `${c.meta.id}-seed${seed}.json`);
    writeFileSync(file, JSON.stringify(saved, null, 2) + '\n');
    c.note(`counterexample saved to ${file}; copy it into fixtures/fuzz/ to make it a regression case of every run`);
  }
  c.note(`replay: ${command}`);
  c.attach('counterexample (shrunk)', `${shown.text}\n\n(${shown.octets} octets; seed ${seed}, path ${path}, ${details.numShrinks} shrinks)\n\n${JSON.stringify(value, null, 2)}`);
  c.attach('replay command', command);
  if (!again) c.note('the shrunk input did not fail again on replay: the target is not deterministic for it');
  const brief = shown.text.length > 240 ? `${shown.text.slice(0, 200)}… (the whole input is attached)` : shown.text;
  throw new ConformanceFailure(finding.expected, finding.actual, `counterexample (${shown.octets} octets, after ${details.numShrinks} shrinks): ${brief}\nreplay: ${command}`);
}

export function replayCommand(id: string, seed: number, path: string, targetArgs: string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const grep = `${id.replace(/\./g, '\\.')} `;
  return ['npx rtc-conformance run --suite fuzz', ...targetArgs.map(quote), '--grep', quote(grep), '--seed', String(seed), '--fuzz-path', quote(`${id}@${path}`)].join(' ');
}

/** A hang of the harness itself (its own work before the input was written): broken, never a finding. */
const HARNESS_GRACE_MS = 30_000;

/**
 * Runs one check. With `fromWrite`, the input's deadline starts when the property says its input was written, and a
 * check that does not get that far within the grace period is a harness error; else it counts from the start.
 */
async function withDeadline<R>(run: (written: () => void) => Promise<R>, ms: number, fromWrite = false): Promise<R | NonNullable<Finding>> {
  let timer: NodeJS.Timeout | undefined;
  let guard: NodeJS.Timeout | undefined;
  let arm: () => void = () => {};
  const hang = new Promise<NonNullable<Finding>>((resolve, reject) => {
    arm = () => {
      if (timer) return;
      clearTimeout(guard);
      timer = setTimeout(() => resolve({ expected: `a verdict within ${ms} ms of the input being written`, actual: 'the target did not answer: a hang' }), ms);
    };
    if (fromWrite) {
      guard = setTimeout(() => reject(new HarnessError(`the harness did not write the input within ${ms + HARNESS_GRACE_MS} ms (its own work, not the target's)`)), ms + HARNESS_GRACE_MS);
    }
  });
  if (!fromWrite) arm();
  try {
    return await Promise.race([run(() => arm()), hang]);
  } finally {
    clearTimeout(timer);
    clearTimeout(guard);
  }
}
