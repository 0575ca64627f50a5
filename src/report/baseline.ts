import { writeFileSync } from 'node:fs';
import { validators } from '../schemas.ts';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { TargetError, readInputFile, schemaProblems } from '../target/target.ts';
import type { CaseResult } from './summary.ts';

/**
 * Baselines for regression runs (the expected-failures file of MCP conformance): the known deviations of one target,
 * each with a reason, an owner and an optional expiry. A listed failure does not fail the run; an unlisted one does;
 * a listed case that now passes is stale and fails the run, and so does an entry past its expiry date.
 */
export interface BaselineEntry {
  id: string;
  reason: string;
  owner: string;
  /** YYYY-MM-DD, last day on which the entry holds. */
  expires?: string;
  ticket?: string;
  /** The deviation does not show on every run (a timing behaviour): a run where the case passes is not stale. */
  intermittent?: boolean;
  /** The entry holds only for runs whose STOMP goes over this transport (a broker serving both may differ). */
  transport?: StompTransportName;
}

export type StompTransportName = 'websocket' | 'tcp';

/** Entries that apply to a run over `transport` (unknown: all of them). */
function applicable(baseline: Baseline, transport?: StompTransportName): BaselineEntry[] {
  return baseline.deviations.filter((d) => !transport || !d.transport || d.transport === transport);
}

export interface Baseline {
  target?: string;
  deviations: BaselineEntry[];
}

/** How the run measured up to the baseline; everything but `known` and `notRun` fails the run. */
export interface BaselineJudgement {
  file: string;
  /** Listed and still deviating: does not fail the run. */
  known: string[];
  /** Failed and not listed. */
  unlisted: string[];
  /** Listed but passed: the entry must go (or the case is not testing what it should). */
  stale: string[];
  /** Listed, run, and past the entry's expiry date. */
  expired: string[];
  /** Listed but not run here (another suite, --grep, skipped): not judged. */
  notRun: string[];
  /** Listed as intermittent and passed this time: does not fail the run (and is not stale). */
  intermittent: string[];
}

const validate = validators.baseline;

export function parseBaseline(text: string, source: string): Baseline {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new TargetError(`${source}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (!validate(data)) throw new TargetError(`${source}: invalid baseline file:\n${schemaProblems(validate.errors).join('\n')}`);
  const baseline = data as Baseline;
  const seen = new Set<string>();
  for (const [i, entry] of baseline.deviations.entries()) {
    if (seen.has(entry.id)) throw new TargetError(`${source}: invalid baseline file:\n  deviations.${i}.id: ${entry.id} is listed twice`);
    seen.add(entry.id);
    if (entry.expires && Number.isNaN(Date.parse(`${entry.expires}T00:00:00Z`))) {
      throw new TargetError(`${source}: invalid baseline file:\n  deviations.${i}.expires: "${entry.expires}" is not a date`);
    }
  }
  return baseline;
}

export function loadBaseline(path: string): Baseline {
  return parseBaseline(readInputFile(path, 'baseline file'), path);
}

/** A case deviates when it failed, or (SHOULD without --strict) came out non-strict. */
function deviates(c: CaseResult): boolean {
  return c.verdict === 'failed' || c.verdict === 'non-strict';
}

export function judgeBaseline(baseline: Baseline, cases: readonly CaseResult[], file: string, today = new Date(), transport?: StompTransportName): BaselineJudgement {
  const day = today.toISOString().slice(0, 10);
  const byId = new Map(cases.map((c) => [c.id, c]));
  const entries = applicable(baseline, transport);
  const listed = new Map(entries.map((d) => [d.id, d]));
  const judgement: BaselineJudgement = { file, known: [], unlisted: [], stale: [], expired: [], notRun: [], intermittent: [] };
  for (const entry of entries) {
    const c = byId.get(entry.id);
    if (!c || c.verdict === 'skipped' || c.verdict === 'broken') judgement.notRun.push(entry.id);
    else if (entry.expires && entry.expires < day) judgement.expired.push(entry.id);
    else if (deviates(c)) judgement.known.push(entry.id);
    else if (entry.intermittent) judgement.intermittent.push(entry.id);
    else judgement.stale.push(entry.id);
  }
  for (const c of cases) if (c.verdict === 'failed' && !listed.has(c.id)) judgement.unlisted.push(c.id);
  return judgement;
}

export function baselineFailures(j: BaselineJudgement): number {
  return j.unlisted.length + j.stale.length + j.expired.length;
}

/** The lines printed after the run's table. */
export function renderJudgement(j: BaselineJudgement, baseline: Baseline): string {
  const entry = new Map(baseline.deviations.map((d) => [d.id, d]));
  const lines = [
    `baseline ${j.file}: ${j.known.length} known, ${j.unlisted.length} new, ${j.stale.length} stale, ${j.expired.length} expired` +
      (j.notRun.length ? `, ${j.notRun.length} not run` : '') +
      (j.intermittent?.length ? `, ${j.intermittent.length} intermittent (passed this time)` : ''),
  ];
  for (const id of j.unlisted) lines.push(`  NEW     ${id}: failed and not in the baseline`);
  for (const id of j.stale) lines.push(`  STALE   ${id}: passes now; remove it from the baseline (was: ${entry.get(id)!.reason})`);
  for (const id of j.expired) lines.push(`  EXPIRED ${id}: the entry lapsed on ${entry.get(id)!.expires} (owner ${entry.get(id)!.owner})`);
  return lines.join('\n');
}

/**
 * The baseline of the current run: entries of cases that still deviate keep their reason, owner and expiry; new
 * failures get their Actual line as the reason; entries of cases not run here are kept; stale ones are dropped.
 */
export function updatedBaseline(previous: Baseline | undefined, cases: readonly CaseResult[], owner: string, target: string, transport?: StompTransportName): Baseline {
  const old = new Map((previous?.deviations ?? []).map((d) => [d.id, d]));
  const ran = new Map(cases.map((c) => [c.id, c]));
  const deviations: BaselineEntry[] = [];
  for (const d of previous?.deviations ?? []) {
    const c = transport && d.transport && d.transport !== transport ? undefined : ran.get(d.id);
    if (!c || c.verdict === 'skipped' || c.verdict === 'broken' || deviates(c) || d.intermittent) deviations.push(d);
  }
  for (const c of cases) {
    if (c.verdict !== 'failed' || old.has(c.id)) continue;
    deviations.push({ id: c.id, reason: reasonOf(c), owner });
  }
  return { target: previous?.target ?? target, deviations };
}

function reasonOf(c: CaseResult): string {
  const actual = /^Actual:\s*(.*)$/m.exec(c.message ?? '')?.[1]?.trim();
  const text = actual ? `${actual} (${c.title})` : (c.message?.split('\n')[0] ?? c.title);
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

export function writeBaseline(path: string, baseline: Baseline): void {
  if (/\.json$/i.test(path)) {
    writeFileSync(path, JSON.stringify(baseline, null, 2) + '\n');
    return;
  }
  const header =
    '# rtc-conformance baseline: known deviations of one target (schemas/baseline.schema.json).\n' +
    '# Review each reason and owner; "expires: YYYY-MM-DD" makes an entry lapse. Rewrite with --update-baseline.\n';
  writeFileSync(path, header + stringifyYaml(baseline, { lineWidth: 0 }));
}
