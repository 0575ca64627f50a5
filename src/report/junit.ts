import { redact } from './redact.ts';
import { countedCases, emptyCounts, type CaseResult, type RunSummary } from './summary.ts';

/** What one case's system-out keeps of its transcripts. */
const MAX_SYSTEM_OUT = 16_384;

/**
 * JUnit XML written from the run's summary, so that it counts exactly what the console, summary.json and Allure
 * count: only cases that ran; classname `protocol.clause`, name `id title`; a MUST failure is a <failure> whose
 * message is Expected/Actual, a broken case an <error>, a skipped one <skipped> with its reason; non-strict and INFO
 * results pass (they do not fail the run) but say so in their properties and system-out. When nothing could run, one
 * errored testcase carries the reason.
 */
export function renderJunit(summary: RunSummary, transcripts: ReadonlyMap<string, string> = new Map()): string {
  const groups = new Map<string, CaseResult[]>();
  const counted = new Set(countedCases(summary));
  for (const c of summary.cases) {
    const against = counted.has(c) ? summary.target : 'reference servers';
    const key = `${c.suite} — ${against}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(c);
  }
  const suites: string[] = [];
  for (const [name, cases] of groups) {
    const counts = emptyCounts();
    for (const c of cases) counts[c.verdict]++;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    suites.push(
      `  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${counts.failed}" errors="${counts.broken}" skipped="${counts.skipped}" time="${time.toFixed(3)}">\n` +
        cases.map((c) => testcase(c, transcripts.get(c.id))).join('') +
        '  </testsuite>\n',
    );
  }
  if (summary.error && summary.cases.length === 0) {
    suites.push(
      `  <testsuite name="rtc-conformance — ${attr(summary.target)}" tests="1" failures="0" errors="1" skipped="0" time="0">\n` +
        `    <testcase classname="rtc-conformance" name="run" time="0">\n      <error message="${attr(summary.error)}" type="TargetError">${text(summary.error)}</error>\n    </testcase>\n` +
        '  </testsuite>\n',
    );
  }
  const all = summary.cases.length || (summary.error ? 1 : 0);
  const failures = summary.cases.filter((c) => c.verdict === 'failed').length;
  const errors = summary.cases.filter((c) => c.verdict === 'broken').length + (summary.error && !summary.cases.length ? 1 : 0);
  const skipped = summary.cases.filter((c) => c.verdict === 'skipped').length;
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    `<testsuites name="rtc-conformance" tests="${all}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(summary.durationMs / 1000).toFixed(3)}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

function testcase(c: CaseResult, transcript: string | undefined): string {
  const props = [['verdict', c.verdict], ['level', c.level], ['clause', c.clause], ['target', c.target ?? 'reference'], ...(c.deviation ? [['deviation', 'true']] : [])];
  const lines = [`    <testcase classname="${attr(`${c.suite}.${c.clause}`)}" name="${attr(`${c.id} ${c.title}`)}" time="${(c.durationMs / 1000).toFixed(3)}">`];
  lines.push(`      <properties>${props.map(([k, v]) => `<property name="${k}" value="${attr(v)}"/>`).join('')}</properties>`);
  const message = c.message ?? '';
  if (c.verdict === 'failed') lines.push(`      <failure message="${attr(message)}" type="${c.level} violation">${text(message)}</failure>`);
  else if (c.verdict === 'broken') lines.push(`      <error message="${attr(message)}" type="broken">${text(message)}</error>`);
  else if (c.verdict === 'skipped') lines.push(`      <skipped message="${attr(message)}"/>`);
  const head =
    c.verdict === 'non-strict' ? `NON-STRICT (SHOULD deviation, fails only with --strict)\n${message}\n\n`
    : c.verdict === 'info' ? `INFO${c.deviation ? ' (deviation recorded)' : ''}: ${c.observation ?? ''}\n${c.deviation ? `${message}\n` : ''}\n`
    : '';
  const out = head + (transcript ?? '');
  if (out) lines.push(`      <system-out>${text(out.length > MAX_SYSTEM_OUT ? `${out.slice(0, MAX_SYSTEM_OUT)}\n… ${out.length - MAX_SYSTEM_OUT} more characters` : out)}</system-out>`);
  lines.push('    </testcase>\n');
  return lines.join('\n');
}

// XML 1.0 allows no control characters but TAB, LF, CR: the rest (a NUL of a STOMP frame) is shown as \xNN.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const hex = (ch: string) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;

function text(s: string): string {
  return redact(s).replace(INVALID_XML, hex).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

