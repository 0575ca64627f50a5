import { describeTolerance, type CaseChange, type ChangeKind, type FrameDifference, type ObservationChange, type RunDiff } from './diff.ts';
import { OBSERVATION_KINDS } from './observations.ts';
import { redact } from './redact.ts';

/** `rtc-conformance diff --format text|json|markdown`. */
export type DiffFormat = 'text' | 'json' | 'markdown';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'json', 'markdown'];

const HEADINGS: Record<ChangeKind, string> = {
  regression: 'Regressions',
  verdict: 'Other verdict changes',
  fix: 'Fixes',
  observations: 'Observation changes (same verdict)',
};

/** Frame lines shown per case in text and markdown (the JSON has them all, up to the diff's own bound). */
const FRAMES_SHOWN = 8;
const CUT = 160;

export function renderDiff(d: RunDiff, format: DiffFormat): string {
  const text = format === 'json' ? JSON.stringify(d, null, 2) + '\n' : format === 'markdown' ? renderMarkdown(d) : renderText(d);
  return redact(text);
}

function value(v: number | string | undefined, unit = ''): string {
  if (v === undefined) return '(absent)';
  return typeof v === 'number' ? `${v}${unit}` : JSON.stringify(v);
}

export function describeObservation(o: ObservationChange): string {
  const unit = o.kind === 'timing' ? ' ms' : '';
  if (o.base === undefined) return `${o.name} (${o.kind}): new, ${value(o.candidate, unit)}`;
  if (o.candidate === undefined) return `${o.name} (${o.kind}): gone (was ${value(o.base, unit)})`;
  const delta = o.delta !== undefined ? ` (${o.delta > 0 ? '+' : ''}${o.delta}${unit})` : '';
  return `${o.name} (${o.kind}): ${value(o.base, unit)} → ${value(o.candidate, unit)}${delta}`;
}

function cut(s: string): string {
  return s.length > CUT ? `${s.slice(0, CUT - 1)}…` : s;
}

export function describeFrame(f: FrameDifference): string {
  const arrow = f.dir === 'out' ? '>>' : f.dir === 'in' ? '<<' : '==';
  if (f.base === undefined) return `${f.transcript} ${arrow} + ${cut(f.candidate!)}`;
  if (f.candidate === undefined) return `${f.transcript} ${arrow} - ${cut(f.base)}`;
  return `${f.transcript} ${arrow} ${cut(f.base)}  ⇒  ${cut(f.candidate)}`;
}

function verdictLine(c: CaseChange): string {
  return c.base === c.candidate ? c.base : `${c.base} → ${c.candidate}`;
}

/** What changed in one case, as lines (the Allure attachment of `run --compare` uses them too). */
export function caseLines(c: CaseChange): string[] {
  const lines: string[] = [];
  if (c.base !== c.candidate) {
    lines.push(`verdict: ${c.base} → ${c.candidate}`);
    if (c.candidateMessage && c.candidate !== 'passed') lines.push(`now: ${c.candidateMessage.split('\n').filter(Boolean).join(' / ')}`);
  }
  for (const o of c.observations) lines.push(describeObservation(o));
  if (c.frames?.length) {
    lines.push(`frames that differ (${c.frames.length}):`);
    for (const f of c.frames.slice(0, FRAMES_SHOWN)) lines.push(`  ${describeFrame(f)}`);
    if (c.frames.length > FRAMES_SHOWN) lines.push(`  … ${c.frames.length - FRAMES_SHOWN} more (--format json has them all)`);
  } else if (c.framesNote) lines.push(`frames: ${c.framesNote}`);
  return lines;
}

function driftLine(d: RunDiff): string | undefined {
  const parts = OBSERVATION_KINDS.flatMap((k) => {
    const x = d.drift[k];
    return x ? [`${k} ${x.delta > 0 ? '+' : ''}${x.delta}${k === 'timing' ? ' ms' : ''} (${x.id} ${x.name})`] : [];
  });
  return parts.length ? `largest drift within tolerance: ${parts.join('; ')}` : undefined;
}

function toleranceLine(d: RunDiff): string {
  return `tolerance: ${OBSERVATION_KINDS.map((k) => `${k} ${describeTolerance(d.tolerances[k], k)}`).join(', ')}`;
}

function renderText(d: RunDiff): string {
  const lines = [`diff ${d.base.path} (${d.base.target}, ${d.base.startedAt}) → ${d.candidate.path} (${d.candidate.target}, ${d.candidate.startedAt})`, toleranceLine(d)];
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  for (const kind of Object.keys(HEADINGS) as ChangeKind[]) {
    const list = d.changes.filter((c) => c.change === kind);
    if (!list.length) continue;
    lines.push('', `${HEADINGS[kind]} (${list.length}):`);
    for (const c of list) {
      lines.push(`  ${c.id.padEnd(8)} ${c.level.padEnd(6)} ${verdictLine(c).padEnd(20)} ${c.title}`);
      for (const l of caseLines(c).filter((l) => !l.startsWith('verdict:'))) lines.push(`           ${l}`);
    }
  }
  if (d.added.length) lines.push('', `Added (${d.added.length}):`, ...d.added.map((c) => `  ${c.id.padEnd(8)} ${c.verdict.padEnd(10)} ${c.title}`));
  if (d.removed.length) lines.push('', `Removed (${d.removed.length}):`, ...d.removed.map((c) => `  ${c.id.padEnd(8)} ${c.verdict.padEnd(10)} ${c.title}`));
  const drift = driftLine(d);
  if (drift) lines.push('', drift);
  lines.push('', d.summary);
  return lines.join('\n') + '\n';
}

/** Markdown that fits a pull-request comment: a table per kind of change, the details folded. */
function renderMarkdown(d: RunDiff): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `### rtc-conformance: changed since ${esc(d.base.path)}`,
    '',
    `**${d.counts.regressions ? '❌' : '✅'} ${d.summary}**`,
    '',
    `Base: \`${esc(d.base.path)}\` (${esc(d.base.target)}, ${d.base.version}, ${d.base.startedAt}) · candidate: \`${esc(d.candidate.path)}\` (${esc(d.candidate.target)}, ${d.candidate.version}, ${d.candidate.startedAt}) · ${toleranceLine(d)}`,
  ];
  for (const w of d.warnings) lines.push('', `> ⚠️ ${esc(w)}`);
  for (const kind of Object.keys(HEADINGS) as ChangeKind[]) {
    const list = d.changes.filter((c) => c.change === kind);
    if (!list.length) continue;
    lines.push('', `#### ${HEADINGS[kind]} (${list.length})`, '', '| case | level | verdict | what changed |', '|---|---|---|---|');
    for (const c of list) {
      const what = caseLines(c).filter((l) => !l.startsWith('verdict:') && !l.startsWith('frames') && !l.startsWith('  '));
      lines.push(`| **${c.id}** ${esc(c.title)} | ${c.level} | ${c.base === c.candidate ? c.base : `${c.base} → **${c.candidate}**`} | ${what.map((l) => esc(cut(l))).join('<br>') || '—'} |`);
    }
    const withFrames = list.filter((c) => c.frames?.length);
    if (withFrames.length) {
      lines.push('', '<details><summary>Frames that differ</summary>', '');
      for (const c of withFrames) {
        lines.push(`**${c.id}**`, '', '```');
        for (const f of c.frames!.slice(0, FRAMES_SHOWN)) lines.push(describeFrame(f).replace(/```/g, "'''"));
        if (c.frames!.length > FRAMES_SHOWN) lines.push(`… ${c.frames!.length - FRAMES_SHOWN} more`);
        lines.push('```', '');
      }
      lines.push('</details>');
    }
  }
  if (d.added.length) lines.push('', `#### Added (${d.added.length})`, '', ...d.added.map((c) => `- **${c.id}** ${esc(c.title)}: ${c.verdict}`));
  if (d.removed.length) lines.push('', `#### Removed (${d.removed.length})`, '', ...d.removed.map((c) => `- **${c.id}** ${esc(c.title)}: was ${c.verdict}`));
  const drift = driftLine(d);
  if (drift) lines.push('', `<sub>${esc(drift)}</sub>`);
  return lines.join('\n') + '\n';
}
