import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { Verdict } from '../case.ts';
import { verdictOf, type CaseResult } from './summary.ts';

const LABELS: Record<Verdict, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  'non-strict': 'WARN',
  info: 'INFO',
  skipped: 'SKIP',
  broken: 'BRKN',
};
const COLORS: Record<Verdict, number> = { passed: 32, failed: 31, 'non-strict': 33, info: 36, skipped: 90, broken: 35 };

/** Prints one line per case as it finishes (with the failure's Expected/Actual) and collects the results. */
export class ProgressReporter implements Reporter {
  readonly results: CaseResult[] = [];
  readonly errors: string[] = [];
  private done = 0;
  private total = 0;
  private files = 0;
  private filesCollected = 0;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly color = Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR,
  ) {}

  onTestRunStart(specifications: ReadonlyArray<unknown>): void {
    this.files = specifications.length;
  }

  onTestModuleCollected(module: TestModule): void {
    this.filesCollected++;
    this.total += [...module.children.allTests()].filter((t) => t.options.mode !== 'skip' && t.options.mode !== 'todo').length;
  }

  onTestCaseResult(test: TestCase): void {
    const record = test.meta().rtc;
    if (!record) return;
    const result = test.result();
    // Left out by --grep: vitest reports it as skipped without ever running it.
    if (!record.verdict && result.state === 'skipped' && test.options.mode !== 'run') return;
    const verdict = verdictOf(record, result.state);
    const durationMs = Math.round(test.diagnostic()?.duration ?? 0);
    let message = record.message;
    if (!message && result.state === 'failed') message = result.errors?.[0]?.message;
    if (!message && result.state === 'skipped') message = result.note;
    this.results.push({
      id: record.id,
      suite: record.protocol,
      clause: record.clause,
      level: record.level,
      title: record.title,
      verdict,
      durationMs,
      ...(message ? { message } : {}),
      ...(record.measurements ? { measurements: record.measurements } : {}),
    });
    this.done++;
    const label = this.paint(LABELS[verdict], COLORS[verdict]);
    // Files are collected as they start: until the last one is, the total is a lower bound ("+").
    const more = this.filesCollected < this.files ? '+' : '';
    const count = this.total ? `${String(this.done).padStart(String(this.total).length)}/${this.total}${more}` : String(this.done);
    this.out.write(`${count} ${label} ${record.id.padEnd(8)} ${record.level.padEnd(6)} ${record.title} (${durationMs} ms)\n`);
    if (message && verdict !== 'passed' && verdict !== 'info') {
      this.out.write(message.split('\n').map((l) => `          ${this.paint(l, 90)}`).join('\n') + '\n');
    }
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<{ message?: string }>): void {
    for (const e of errors) this.errors.push(e.message ?? String(e));
  }

  private paint(text: string, code: number): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}
