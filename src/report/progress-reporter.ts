import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { Verdict } from '../case.ts';
import { verdictOf, type CaseResult } from './summary.ts';

const LABELS: Record<Verdict | 'known', string> = {
  passed: 'PASS ',
  failed: 'FAIL ',
  known: 'KNOWN',
  'non-strict': 'WARN ',
  info: 'INFO ',
  skipped: 'SKIP ',
  broken: 'BRKN ',
};
const COLORS: Record<Verdict | 'known', number> = { passed: 32, failed: 31, known: 33, 'non-strict': 33, info: 36, skipped: 90, broken: 35 };

/**
 * Prints one line per case as it finishes (with the failure's Expected/Actual, an INFO case's observation) and
 * collects exactly the cases that ran: a case left out by the selection, or never started because the run was
 * interrupted, is not a result; each case is counted once.
 */
export class ProgressReporter implements Reporter {
  readonly results: CaseResult[] = [];
  /** The same results by vitest project: `run --each-quirk` runs the suites once per quirk, one project each. */
  readonly byProject = new Map<string, { results: CaseResult[]; transcripts: Map<string, string> }>();
  /** Case id → its transcripts as rendered (redacted, bounded), for JUnit's system-out. */
  readonly transcripts = new Map<string, string>();
  readonly errors: string[] = [];
  private readonly seen = new Set<string>();
  private total = 0;
  private files = 0;
  /** When the first file was collected and the first and last case finished (performance.now()). */
  readonly marks: { collected?: number; firstCase?: number; lastCase?: number } = {};
  private filesCollected = 0;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly color = Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR,
    /** Case ids of the baseline's known deviations: their failures print as KNOWN. */
    private readonly known: ReadonlySet<string> = new Set(),
  ) {}

  onTestRunStart(specifications: ReadonlyArray<unknown>): void {
    this.files = specifications.length;
  }

  onTestModuleCollected(module: TestModule): void {
    this.filesCollected++;
    this.marks.collected ??= performance.now();
    this.total += [...module.children.allTests()].filter((t) => t.options.mode !== 'skip' && t.options.mode !== 'todo').length;
  }

  onTestCaseResult(test: TestCase): void {
    const record = test.meta().rtc;
    const project = test.project.name;
    const key = `${project}\0${record?.id}`;
    if (!record || this.seen.has(key)) return;
    const result = test.result();
    // Without a verdict of its own, a case either never ran (left out, cancelled by an interrupt: not a result) or
    // was ended by vitest itself (its timeout: broken).
    if (!record.verdict && result.state !== 'failed') return;
    this.seen.add(key);
    this.marks.firstCase ??= performance.now();
    this.marks.lastCase = performance.now();
    const verdict = verdictOf(record, result.state);
    const durationMs = Math.round(test.diagnostic()?.duration ?? 0);
    let message = record.message;
    if (!message && result.state === 'failed') message = result.errors?.[0]?.message;
    const row: CaseResult = {
      id: record.id,
      suite: record.protocol,
      clause: record.clause,
      level: record.level,
      title: record.title,
      target: record.target ?? 'reference',
      verdict,
      ...(record.deviation ? { deviation: true } : {}),
      ...(record.observation ? { observation: record.observation } : {}),
      durationMs,
      ...(message ? { message } : {}),
      ...(record.measurements ? { measurements: record.measurements } : {}),
      ...(record.observations ? { observations: record.observations } : {}),
    };
    this.results.push(row);
    if (!this.byProject.has(project)) this.byProject.set(project, { results: [], transcripts: new Map() });
    const own = this.byProject.get(project)!;
    own.results.push(row);
    if (record.transcript) {
      this.transcripts.set(record.id, record.transcript);
      own.transcripts.set(record.id, record.transcript);
    }
    const shown = verdict === 'failed' && this.known.has(record.id) ? 'known' : verdict;
    const label = this.paint(LABELS[shown], COLORS[shown]);
    // Files are collected as they start: until the last one is, the total is a lower bound (≥).
    const bound = this.filesCollected < this.files ? '≥' : '';
    const done = this.results.length;
    const count = this.total ? `${String(done).padStart(String(this.total).length)}/${bound}${this.total}` : String(done);
    // The projects of `run --each-quirk` are named suites@<quirk>: each line says which quirk it ran against.
    const quirk = project.includes('@') ? `[${project.slice(project.indexOf('@') + 1)}] ` : '';
    this.out.write(`${count} ${label} ${quirk}${record.id.padEnd(8)} ${record.level.padEnd(6)} ${record.title} (${durationMs} ms)\n`);
    const detail = verdict === 'info' ? [`saw: ${record.observation ?? ''}`, ...(record.deviation && message ? message.split('\n') : [])] : verdict !== 'passed' && message ? message.split('\n') : [];
    if (detail.length) this.out.write(detail.map((l) => `          ${this.paint(l, 90)}`).join('\n') + '\n');
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<{ message?: string }>): void {
    for (const e of errors) this.errors.push(e.message ?? String(e));
  }

  private paint(text: string, code: number): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}
