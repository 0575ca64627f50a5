import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TargetError } from './target/target.ts';

/** Where the package lives (suites, schemas, fixtures), wherever it is installed. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITES_DIR = join(PACKAGE_ROOT, 'suites');

/** The suites: one folder each under suites/. */
export function knownSuites(): string[] {
  return readdirSync(SUITES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** vitest file filters for `--suite S` (none for all suites); an unknown suite is a usage error. */
export function suiteFilters(suite: string | undefined): string[] {
  if (!suite || suite === 'all') return [];
  const known = knownSuites();
  if (!known.includes(suite)) throw new TargetError(`unknown suite "${suite}" (known: ${known.join(', ')})`);
  return [relative(PACKAGE_ROOT, join(SUITES_DIR, suite)) + '/'];
}
