import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CaseRecord } from '../case.ts';
import { clause as findClause } from '../clauses.ts';
import { selected, type Selection } from '../selection.ts';
import { PACKAGE_ROOT, suiteFilters } from '../suites.ts';
import { compareIds } from './summary.ts';

/** One case as `list` shows it, and the test file that declares it. */
export interface ListedCase {
  id: string;
  suite: string;
  clause: string;
  level: string;
  title: string;
  requirement: string;
  expected: string;
  /** The spec sentences the case names (CaseMeta.sentences), when it names any. */
  sentences?: string[];
}

interface Catalogue {
  /** A hash of every file the case declarations come from: a catalogue whose key differs is stale. */
  key: string;
  cases: Array<ListedCase & { file: string }>;
}

/**
 * `list` reads the case catalogue (suites/catalogue.json) instead of collecting every suite with vitest, which takes
 * seconds. The catalogue is keyed by a hash of everything the declarations come from (the suites, the saved fuzz
 * counterexamples, the case and clause modules); when the key does not match, `list` collects for real and rewrites
 * it. A test keeps the committed one current.
 */
export const CATALOGUE_PATH = join(PACKAGE_ROOT, 'suites', 'catalogue.json');
const SOURCES = ['suites', 'fixtures/fuzz', 'src/case.ts', 'src/clauses.ts', 'src/fuzz/cases.ts'];

function files(path: string): string[] {
  const full = join(PACKAGE_ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('catalogue.json'))
    .map((e) => join(e.parentPath, e.name));
}

export function catalogueKey(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files).sort()) hash.update(relative(PACKAGE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The cases of the catalogue when it is current, else undefined. */
export function readCatalogue(key = catalogueKey()): Catalogue['cases'] | undefined {
  try {
    const catalogue = JSON.parse(readFileSync(CATALOGUE_PATH, 'utf8')) as Catalogue;
    return catalogue.key === key ? catalogue.cases : undefined;
  } catch {
    return undefined;
  }
}

export function writeCatalogue(cases: Catalogue['cases'], key = catalogueKey()): void {
  try {
    writeFileSync(CATALOGUE_PATH, `${JSON.stringify({ key, cases }, null, 1)}\n`);
  } catch {
    // an installed package may be read-only: listing still works, by collecting
  }
}

/**
 * Every case with its clause, level and requirement, without running anything (h2spec's dry run): from the
 * catalogue when it is current, else collected by vitest (and the catalogue rewritten).
 */
export async function listCases(suite: string | undefined): Promise<ListedCase[]> {
  const filters = suiteFilters(suite);
  const key = catalogueKey();
  let cases = readCatalogue(key);
  if (!cases) {
    cases = await collectCases();
    writeCatalogue(cases, key);
  }
  return cases.filter((c) => filters.every((f) => c.file.startsWith(f))).map(({ file: _file, ...c }) => c);
}

/**
 * The test files that declare the cases `--case` or `--grep` select, from the catalogue when it is current: a run then
 * loads only those files (a one-case run starts one worker, not three). Undefined when there is no such selection, the
 * catalogue is stale or no file matches (the run then collects everything, and says so when nothing matches).
 */
export function selectedFiles(select: Selection, filters: readonly string[]): string[] | undefined {
  if (!select.cases && !select.grep) return undefined;
  const cases = readCatalogue();
  if (!cases) return undefined;
  const inScope = (file: string) => filters.length === 0 || filters.some((f) => file.startsWith(f));
  const endpointOf = (id: string) => {
    try {
      return findClause(id).endpoint;
    } catch {
      return undefined;
    }
  };
  const files = new Set<string>();
  for (const c of cases) {
    const endpoint = endpointOf(c.clause);
    // A case whose clause the catalogue cannot place keeps the whole run: narrowing must never drop a case.
    if (!endpoint) return undefined;
    if (inScope(c.file) && selected(select, c.id, c.title, endpoint)) files.add(c.file);
  }
  return files.size ? [...files].map((f) => join(PACKAGE_ROOT, f)) : undefined;
}

async function collectCases(): Promise<Catalogue['cases']> {
  // vitest is loaded only when the catalogue is stale: it is most of what a listing would cost.
  const [{ createVitest }, { NullStream }] = await Promise.all([import('vitest/node'), import('../run.ts')]);
  const vitest = await createVitest(
    'test',
    { root: PACKAGE_ROOT, config: join(PACKAGE_ROOT, 'vitest.config.ts'), project: ['suites'], watch: false, reporters: [] },
    {},
    { stdout: new NullStream(), stderr: process.stderr },
  );
  try {
    const { testModules } = await vitest.collect([]);
    const cases: Catalogue['cases'] = [];
    for (const m of testModules) {
      const file = relative(PACKAGE_ROOT, m.moduleId);
      for (const t of m.children.allTests()) {
        const rtc = t.meta().rtc as CaseRecord | undefined;
        if (rtc) cases.push({ id: rtc.id, suite: rtc.protocol, clause: rtc.clause, level: rtc.level, title: rtc.title, requirement: rtc.requirement, expected: rtc.expected, ...(rtc.sentences ? { sentences: rtc.sentences } : {}), file });
      }
    }
    return cases.sort((a, b) => a.file.localeCompare(b.file) || compareIds(a.id, b.id));
  } finally {
    await vitest.close();
  }
}
