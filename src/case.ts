import * as allure from 'allure-js-commons';
import { inject, test, type TestContext } from 'vitest';
import { clause as findClause, type Level } from './clauses.ts';
import type { FuzzSettings } from './fuzz/property.ts';
import type { ResolvedTarget } from './target/target.ts';
import { RecordingHttp } from './transport/http-client.ts';
import { StompSession, type StompEndpoint } from './transport/stomp-session.ts';
import { Transcript } from './transport/transcript.ts';
import { TargetUnreachableError, type WsConnectOptions } from './transport/ws-client.ts';

/** What a case says about itself: shown by `list`, in the report, and in every failure. */
export interface CaseMeta {
  /** Mirrors the clause: `S-4.2` is the second case of clause S-4. */
  id: string;
  title: string;
  /** The behaviour the case expects from a conforming server (Autobahn's EXPECTATION). */
  expected: string;
  /** Defaults to the level of the clause. */
  level?: Level;
  /** Defaults to the clause text in CONTRACTS.md. */
  requirement?: string;
  /** Per-case deadline; a target that hangs makes the case broken, never the run stuck. */
  timeoutMs?: number;
}

export type Verdict = 'passed' | 'failed' | 'non-strict' | 'info' | 'skipped' | 'broken';

/** What the reporter reads back from each vitest task (`task.meta.rtc`). */
export interface CaseRecord {
  id: string;
  clause: string;
  level: Level;
  protocol: string;
  title: string;
  verdict?: Verdict;
  message?: string;
  measurements?: Record<string, string>;
}

export interface RunOptions {
  strict: boolean;
  /** The run's seed (generated inputs, `--seed`), shown in the report's environment. */
  seed: number;
  /** Known deviations of the target (`--baseline`): case id → reason. Their failures are labelled `baseline: known`. */
  baseline: Record<string, string>;
  /** Settings of the fuzz suite (`--fuzz-runs`, `--fuzz-time`, `--fuzz-path`). */
  fuzz?: FuzzSettings;
}

declare module 'vitest' {
  interface TaskMeta {
    rtc?: CaseRecord;
  }
}

/** A violation of the clause a case asserts; carries Expected vs Actual (h2spec style). */
export class ConformanceFailure extends Error {
  override name = 'ConformanceAssertionError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    detail?: string,
  ) {
    super(`${detail ? `${detail}\n` : ''}Expected: ${expected}\nActual:   ${actual}`);
  }
}

class SkipCase extends Error {
  override name = 'SkipCase';
}

const PROTOCOL_TITLES: Record<string, string> = {
  stomp: 'STOMP 1.2 over WebSocket',
  oam: 'WCS OAM API',
  hooks: 'WCS REST hooks',
  websocketd: 'Wazo WebSocket events',
};

const SEVERITY: Record<Level, string> = { MUST: 'critical', SHOULD: 'normal', INFO: 'trivial' };

/** Everything a case body may use: the target, recorded sessions, and the means to judge. */
export class CaseContext {
  readonly transcripts: Transcript[] = [];
  readonly measurements: Record<string, string> = {};
  /** Text attachments besides transcripts (a counterexample, a replay command). */
  readonly attachments: Array<{ name: string; text: string }> = [];
  private readonly sessions: StompSession[] = [];
  private readonly cleanups: Array<() => Promise<unknown> | unknown> = [];
  private notes: string[] = [];

  constructor(
    readonly meta: Required<Pick<CaseMeta, 'id' | 'title' | 'expected'>> & { clause: string; level: Level },
    readonly target: ResolvedTarget,
  ) {}

  /** Opens a STOMP session on the target (or another endpoint of it); its transcript goes into the report. */
  async stomp(label = `session ${this.sessions.length + 1}`, options: WsConnectOptions = {}, endpoint: StompEndpoint = this.target.stomp): Promise<StompSession> {
    try {
      const session = await StompSession.open(endpoint, label, options);
      this.sessions.push(session);
      this.transcripts.push(session.transcript);
      return session;
    } catch (err) {
      const transcript = (err as { transcript?: Transcript }).transcript;
      if (transcript) this.transcripts.push(transcript);
      throw err;
    }
  }

  /** An HTTP client whose exchanges go into the report. */
  http(label = 'HTTP', insecure = false): RecordingHttp {
    const transcript = new Transcript(label);
    this.transcripts.push(transcript);
    return new RecordingHttp(transcript, insecure);
  }

  /** A destination nobody else uses, so concurrent cases never see each other's messages. */
  destination(name = 'd'): string {
    return `${this.target.stomp.destinationPrefix}rtc-${this.meta.id.replace(/\W/g, '_')}-${name}-${Math.random().toString(36).slice(2, 10)}`;
  }

  /** Fails the case unless `ok`. */
  check(ok: boolean, expected: string, actual: string | (() => string), detail?: string): void {
    if (!ok) throw new ConformanceFailure(expected, typeof actual === 'function' ? actual() : actual, detail);
  }

  fail(expected: string, actual: string, detail?: string): never {
    throw new ConformanceFailure(expected, actual, detail);
  }

  /** Ends the case as skipped: the target cannot be asked to show this behaviour. */
  skip(reason: string): never {
    throw new SkipCase(reason);
  }

  /** A measured figure, shown as an Allure parameter and kept in summary.json. */
  measure(name: string, value: string | number): void {
    this.measurements[name] = String(value);
  }

  attach(name: string, text: string): void {
    this.attachments.push({ name, text });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  onCleanup(fn: () => Promise<unknown> | unknown): void {
    this.cleanups.push(fn);
  }

  async finish(): Promise<string[]> {
    for (const fn of this.cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
    await Promise.all(this.sessions.map((s) => s.close().catch(() => undefined)));
    return this.notes;
  }
}

/**
 * Declares a conformance case: one clause, one verdict. MUST violations fail; SHOULD violations are non-strict
 * (failing only under --strict); INFO cases record what they saw; harness or connection errors are broken.
 */
export function conformanceCase(meta: CaseMeta, body: (c: CaseContext) => Promise<void>): void {
  const clauseId = meta.id.replace(/\.[^.]*$/, '');
  const clause = findClause(clauseId);
  const level = meta.level ?? clause.level;
  const record: CaseRecord = { id: meta.id, clause: clauseId, level, protocol: clause.protocol, title: meta.title };
  const deadline = meta.timeoutMs ?? 20_000;
  test.concurrent(`${meta.id} ${meta.title}`, { meta: { rtc: record }, timeout: deadline + 5_000 }, async (ctx: TestContext) => {
    const { strict, baseline } = inject('rtcOptions');
    const c = new CaseContext({ id: meta.id, title: meta.title, expected: meta.expected, clause: clauseId, level }, inject('rtcTarget'));
    const result: CaseRecord = { ...record };
    ctx.task.meta.rtc = result;
    await allure.epic(PROTOCOL_TITLES[clause.protocol] ?? clause.protocol);
    await allure.feature(`${clauseId} ${shortText(clause.text)}`);
    await allure.story(meta.id);
    await allure.label('level', level);
    await allure.label('clause', clauseId);
    await allure.severity(SEVERITY[level]);
    await allure.description(
      `**${meta.id}** — ${level} — clause ${clauseId}\n\n` +
        `**Requirement:** ${meta.requirement ?? clause.text}\n\n**Expected:** ${markdownText(meta.expected)}\n\n` +
        `**Target:** ${c.target.name} (${c.target.kinds[clause.protocol] ?? 'reference'})`,
    );

    let outcome: unknown;
    try {
      await withDeadline(body(c), deadline, meta.id);
      result.verdict = level === 'INFO' ? 'info' : 'passed';
    } catch (err) {
      outcome = err;
    }
    const notes = await c.finish();
    for (const [name, value] of Object.entries(c.measurements)) await allure.parameter(name, value);
    if (Object.keys(c.measurements).length) result.measurements = c.measurements;
    for (const t of c.transcripts) await allure.attachment(`transcript: ${t.label}`, t.render(), { contentType: 'text/plain' });
    for (const a of c.attachments) await allure.attachment(a.name, a.text, { contentType: 'text/plain' });
    if (notes.length) await allure.attachment('notes', notes.join('\n'), { contentType: 'text/plain' });

    if (outcome === undefined) return void (await allure.label('verdict', result.verdict!));
    if (outcome instanceof SkipCase) {
      result.verdict = 'skipped';
      result.message = outcome.message;
      await allure.label('verdict', result.verdict);
      ctx.skip(outcome.message);
    }
    if (outcome instanceof ConformanceFailure) {
      result.message = outcome.message;
      if (level === 'MUST' || (level === 'SHOULD' && strict)) {
        result.verdict = 'failed';
        await allure.label('verdict', result.verdict);
        if (baseline?.[meta.id] !== undefined) {
          await allure.label('baseline', 'known');
          await allure.attachment('baseline: known deviation', baseline[meta.id], { contentType: 'text/plain' });
        }
        throw outcome;
      }
      result.verdict = level === 'SHOULD' ? 'non-strict' : 'info';
      await allure.label('verdict', result.verdict);
      await allure.attachment(`deviation (${result.verdict})`, outcome.message, { contentType: 'text/plain' });
      return;
    }
    result.verdict = 'broken';
    await allure.label('verdict', result.verdict);
    const err = outcome as Error;
    result.message = `${err?.name ?? 'Error'}: ${err?.message ?? String(outcome)}`;
    throw new HarnessError(result.message, outcome);
  });
}

/** A case that could not be judged (harness bug, unreachable target, broken flow): Allure shows it as broken. */
export class HarnessError extends Error {
  override name = 'HarnessError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetUnreachableError(`${id} did not finish within its ${ms} ms deadline`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Plain text inside markdown: backslashes, backticks and emphasis marks shown as typed. */
function markdownText(text: string): string {
  return text.replace(/[\\`*_]/g, (m) => `\\${m}`);
}

function shortText(text: string): string {
  const plain = text.replace(/`/g, '');
  const first = plain.split(/(?<=\.)\s(?=[A-Z])/)[0];
  return first.length > 80 ? `${first.slice(0, 77)}…` : first;
}
