import * as allure from 'allure-js-commons';
import { inject, test, type TestContext } from 'vitest';
import { clause as findClause, type Endpoint, type Level } from './clauses.ts';
import { redact, registerSecret, registerUrlSecrets } from './report/redact.ts';
import type { FuzzSettings } from './fuzz/property.ts';
import { caseObservations, type Observation } from './report/observations.ts';
import type { ResolvedTarget } from './target/target.ts';
import { RecordingHttp } from './transport/http-client.ts';
import { FlowError, StompSession, type StompEndpoint } from './transport/stomp-session.ts';
import { Transcript } from './transport/transcript.ts';
import { selected, type Selection } from './selection.ts';
import { longestStall, watchStalls } from './lag.ts';
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
  /** Ids of the spec sentences the case asserts (e.g. `fixtures/stomp-1.2-sentences.json`), for coverage tables. */
  sentences?: string[];
}

export type Verdict = 'passed' | 'failed' | 'non-strict' | 'info' | 'skipped' | 'broken';

/** What the reporter reads back from each vitest task (`task.meta.rtc`). */
export interface CaseRecord {
  id: string;
  clause: string;
  level: Level;
  protocol: string;
  title: string;
  /** The sentence the case asserts (the clause text unless the case quotes its own source), and what it expects. */
  requirement: string;
  expected: string;
  endpoint: Endpoint;
  /** What the case ran against: the user's target (`real`) or a bundled reference server. */
  target?: 'real' | 'reference';
  verdict?: Verdict;
  message?: string;
  /** An INFO case whose expectation did not hold: recorded, and shown apart from a plain INFO. */
  deviation?: boolean;
  /** The one-line observation of an INFO case (what it saw). */
  observation?: string;
  measurements?: Record<string, string>;
  /** The case's transcripts, rendered, redacted and bounded (JUnit system-out). */
  transcript?: string;
  /** What the case saw, stable across runs (src/report/observations.ts); compared by `rtc-conformance diff`. */
  observations?: Observation[];
  /** CaseMeta.sentences. */
  sentences?: string[];
}

export interface RunOptions {
  strict: boolean;
  /** The run's seed (generated inputs, `--seed`), shown in the report's environment. */
  seed: number;
  /** Known deviations of the target (`--baseline`): case id → reason. Their failures are labelled `baseline: known`. */
  baseline: Record<string, string>;
  /** Settings of the fuzz suite (`--fuzz-runs`, `--fuzz-time`, `--fuzz-path`). */
  fuzz?: FuzzSettings;
  /** Which cases run: the endpoints the user named (others only with --with-reference), `--case`, `--grep`. */
  select?: Selection;
}

export { selected, type Selection };

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
    super(`${detail ? `${detail}\n` : ''}Expected: ${expected}\nActual:   ${bounded(actual)}`);
    this.detail = detail;
  }
  private readonly detail: string | undefined;

  withActual(actual: string): ConformanceFailure {
    return new ConformanceFailure(this.expected, actual, this.detail);
  }
}

/** An Actual is one readable line: a backend's HTML page or a 60 MiB body is cut, its size said. */
const MAX_ACTUAL = 400;
function bounded(actual: string): string {
  const flat = actual.length > MAX_ACTUAL * 4 ? actual.slice(0, MAX_ACTUAL * 4) : actual;
  const oneLine = /<html|<!doctype/i.test(flat) ? flat.replace(/\s*\n\s*/g, ' ') : flat;
  return oneLine.length > MAX_ACTUAL ? `${oneLine.slice(0, MAX_ACTUAL)}… (${actual.length} characters in all)` : oneLine;
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
  /** When the case started: the window in which a stall of the harness voids a timing verdict (checkTiming). */
  readonly startedAt = Date.now();

  constructor(
    readonly meta: Required<Pick<CaseMeta, 'id' | 'title' | 'expected'>> & { clause: string; level: Level },
    readonly target: ResolvedTarget,
  ) {
    watchStalls();
  }

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

  /**
   * A check of the target's timing with a tolerance of `toleranceMs`: when it fails while the harness itself stalled
   * for more than half the tolerance during the measured `window` (this worker between the two instants, by default
   * the whole case; or a harness server, whose stalls are passed in), the case is broken (the timing cannot be
   * judged), never failed.
   */
  checkTiming(ok: boolean, expected: string, actual: string, opts: { toleranceMs: number; window?: [number, number]; stallsMs?: Array<number | undefined> }): void {
    if (ok) return;
    const [from, to] = opts.window ?? [this.startedAt, Date.now()];
    const stall = Math.max(longestStall(from, to), ...(opts.stallsMs ?? []).map((s) => s ?? 0));
    if (stall > opts.toleranceMs / 2) {
      throw new HarnessError(`expected ${expected}, measured ${actual}; but the harness itself stalled for ${stall} ms during the case (more than half the ${opts.toleranceMs} ms tolerance): the timing cannot be judged`);
    }
    this.check(false, expected, actual);
  }

  /** An HTTP client for the control API of the harness's own servers (the fault backend), its token redacted. */
  harnessControl(label: string): { http: RecordingHttp; headers: Record<string, string> } {
    const token = this.target.hooks.client.controlToken;
    registerSecret(token, 'fault backend token');
    const http = this.http(label);
    http.transcript.redact(token, 'fault backend token');
    return { http, headers: { authorization: `Bearer ${token}` } };
  }

  /**
   * The longest stall (ms) between two instants (epoch ms) of the thread that runs the harness's own servers: the
   * fault backend of the hooks client role and, in a run against them, the reference servers (src/target/global-setup.ts
   * starts both in vitest's main thread). A reference server that was late because that thread stalled (a loaded
   * machine, the run's own reporting) says nothing about the server: timing cases pass this to checkTiming.
   */
  async serversStall(from: number, to: number): Promise<number> {
    const { http, headers } = this.harnessControl('harness servers (stalls)');
    const r = await http.send('GET', `${this.target.hooks.client.controlUrl}/stall?marker=stalls&from=${Math.floor(from)}&to=${Math.ceil(to)}`, { headers });
    const stallMs = (r.json as { stallMs?: unknown } | undefined)?.stallMs;
    if (r.status !== 200 || typeof stallMs !== 'number') throw new FlowError(`the harness's servers did not report their stalls: HTTP ${r.status}`);
    return stallMs;
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

  /** What an INFO case saw, in one line (shown in the console, the report and summary.json). */
  observe(text: string): void {
    this.observation = text;
  }
  observation: string | undefined;

  onCleanup(fn: () => Promise<unknown> | unknown): void {
    this.cleanups.push(fn);
  }

  async finish(): Promise<string[]> {
    for (const fn of this.cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
    await Promise.all(this.sessions.map((s) => s.close().catch(() => undefined)));
    return this.notes;
  }
}

/** What a transcript keeps for JUnit's system-out of one case. */
const JUNIT_TRANSCRIPT_CHARS = 16_384;

/**
 * Declares a conformance case: one clause, one verdict. MUST violations fail; SHOULD violations are non-strict
 * (failing only under --strict); INFO cases record what they saw; harness or connection errors are broken.
 * A case outside the run's selection is declared skipped and never runs (the reports leave it out).
 */
export function conformanceCase(meta: CaseMeta, body: (c: CaseContext) => Promise<void>): void {
  const clauseId = meta.id.replace(/\.[^.]*$/, '');
  const clause = findClause(clauseId);
  const level = meta.level ?? clause.level;
  const record: CaseRecord = {
    id: meta.id, clause: clauseId, level, protocol: clause.protocol, endpoint: clause.endpoint, title: meta.title,
    requirement: meta.requirement ?? clause.text, expected: meta.expected,
    ...(meta.sentences ? { sentences: meta.sentences } : {}),
  };
  const deadline = meta.timeoutMs ?? 20_000;
  const declare = selected(inject('rtcOptions')?.select, meta.id, meta.title, clause.endpoint) ? test.concurrent : test.skip;
  declare(`${meta.id} ${meta.title}`, { meta: { rtc: record }, timeout: deadline + 5_000 }, async (ctx: TestContext) => {
    const { strict, baseline } = inject('rtcOptions');
    const target = inject('rtcTarget');
    registerTargetSecrets(target);
    const c = new CaseContext({ id: meta.id, title: meta.title, expected: meta.expected, clause: clauseId, level }, target);
    const result: CaseRecord = { ...record, target: target.kinds[clause.endpoint] ?? 'reference' };
    ctx.task.meta.rtc = result;
    await allure.label('level', level);
    await allure.label('clause', clauseId);
    await allure.epic(PROTOCOLS_TITLE(clause.protocol));
    await allure.feature(`${clauseId} ${shortText(clause.text)}`);
    await allure.story(meta.id);
    await allure.severity(SEVERITY[level]);
    await allure.label('target', `${result.target}: ${redact(c.target.name)}`);
    await allure.description(
      redact(
        `**${meta.id}** — ${level} — clause ${clauseId}\n\n` +
          `**Requirement:** ${meta.requirement ?? clause.text}\n\n**Expected:** ${markdownText(meta.expected)}\n\n` +
          `**Target:** ${c.target.name} (${result.target === 'real' ? 'the target under test' : 'bundled reference server'})`,
      ),
    );

    let outcome: unknown;
    try {
      await withDeadline(body(c), deadline, meta.id);
      result.verdict = level === 'INFO' ? 'info' : 'passed';
    } catch (err) {
      outcome = err;
    }
    const notes = await c.finish();
    if (outcome instanceof ConformanceFailure && isBlank(outcome.actual)) outcome = outcome.withActual(describeConnections(c.transcripts));
    for (const [name, value] of Object.entries(c.measurements)) await allure.parameter(name, redact(value));
    if (Object.keys(c.measurements).length) result.measurements = Object.fromEntries(Object.entries(c.measurements).map(([k, v]) => [k, redact(v)]));
    result.observations = caseObservations(meta.id, c.transcripts, c.measurements);
    const rendered = c.transcripts.map((t) => t.render());
    for (const [i, t] of c.transcripts.entries()) await allure.attachment(`transcript: ${t.label}`, rendered[i], { contentType: 'text/plain' });
    for (const a of c.attachments) await allure.attachment(a.name, redact(a.text), { contentType: 'text/plain' });
    if (notes.length) await allure.attachment('notes', redact(notes.join('\n')), { contentType: 'text/plain' });
    const all = rendered.join('\n');
    result.transcript = all.length > JUNIT_TRANSCRIPT_CHARS ? `${all.slice(0, JUNIT_TRANSCRIPT_CHARS)}\n… ${all.length - JUNIT_TRANSCRIPT_CHARS} more characters in the Allure report` : all;

    const judged = outcome === undefined || outcome instanceof ConformanceFailure;
    if (level === 'INFO' && judged) {
      // An INFO case exists to record what it saw: one that recorded nothing is a harness bug, not an observation.
      const actual = outcome instanceof ConformanceFailure ? `Actual: ${outcome.actual}` : '';
      const seen = c.observation ?? (Object.entries(c.measurements).map(([k, v]) => `${k}: ${v}`).join('; ') || actual);
      if (!seen) outcome = new HarnessError(`${meta.id} is INFO but recorded no observation (c.observe or c.measure)`);
      else result.observation = bounded(redact(seen));
    }

    if (outcome === undefined) return void (await allure.label('verdict', result.verdict!));
    if (outcome instanceof SkipCase) {
      result.verdict = 'skipped';
      result.message = redact(outcome.message);
      await allure.label('verdict', result.verdict);
      ctx.skip(result.message);
    }
    if (outcome instanceof ConformanceFailure) {
      result.message = redact(outcome.message);
      if (level === 'MUST' || (level === 'SHOULD' && strict)) {
        result.verdict = 'failed';
        await allure.label('verdict', result.verdict);
        if (baseline?.[meta.id] !== undefined) {
          await allure.label('baseline', 'known');
          await allure.attachment('baseline: known deviation', baseline[meta.id], { contentType: 'text/plain' });
        }
        // No harness stack trace: a conformance failure is Expected vs Actual.
        throw Object.assign(new ConformanceFailure('', ''), { message: result.message, stack: result.message });
      }
      result.verdict = level === 'SHOULD' ? 'non-strict' : 'info';
      if (level === 'INFO') result.deviation = true;
      await allure.label('verdict', result.verdict);
      return;
    }
    result.verdict = 'broken';
    await allure.label('verdict', result.verdict);
    const err = outcome as Error;
    result.message = redact(`${err?.name ?? 'Error'}: ${err?.message ?? String(outcome)}`);
    throw Object.assign(new HarnessError(result.message), { stack: redact(err?.stack ?? result.message) });
  });
}

function PROTOCOLS_TITLE(protocol: string): string {
  return PROTOCOL_TITLES[protocol] ?? protocol;
}

/** The target's own secrets (passcodes, passwords, URL credentials), known to every worker before a case runs. */
let targetSecretsRegistered = false;
function registerTargetSecrets(target: ResolvedTarget): void {
  if (targetSecretsRegistered) return;
  targetSecretsRegistered = true;
  for (const e of [target.stomp, target.oam]) {
    registerSecret(e.passcode, 'passcode');
    registerUrlSecrets(e.url);
  }
  registerUrlSecrets(target.oam.restUrl);
  registerUrlSecrets(target.websocketd.url);
  registerUrlSecrets(target.websocketd.authUrl);
  for (const u of Object.values(target.websocketd.users)) registerSecret(u.password, 'password');
  if (target.websocketd.bus.kind === 'amqp') registerUrlSecrets(target.websocketd.bus.url);
  registerSecret(target.hooks.backend.settings.rest_hook_secret_key, 'HMAC key');
  registerUrlSecrets(target.hooks.backend.url);
  for (const w of target.hooks.client.wcs) {
    registerSecret(w.settings.rest_hook_secret_key, 'HMAC key');
    registerUrlSecrets(w.url);
  }
}

/** An Actual that says nothing (`''`, `,,`): the case did not say whether the connection closed or nothing came. */
function isBlank(actual: string): boolean {
  return /^[\s,;:]*$/.test(actual);
}

/** What the connections of a case did, for an Actual that would otherwise be empty. */
export function describeConnections(transcripts: Transcript[]): string {
  const parts = transcripts.map((t) => {
    const received = t.entries.filter((e) => e.dir === 'in').length;
    const state = t.close ? `closed with ${t.close.code}${t.close.reason ? ` "${t.close.reason}"` : ''} by the ${t.close.by}` : 'still open';
    return `${t.label}: ${received ? `${received} message(s) received, none as expected` : 'nothing received'}, ${state}`;
  });
  return parts.length ? parts.join('; ') : 'nothing (no connection was opened)';
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
