// The CLI's TypeScript sources compiled (esbuild) into plain modules once, and reused until a source changes: a start
// then loads no TypeScript loader (tsx's hooks cost a thread and a round trip per module), only JavaScript.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders the CLI's modules come from (src/cli.ts and what it imports). */
const SOURCES = ['src', 'mocks'];
/** Compiled CLIs older than this are removed when a new one is built (a run still using one may load it lazily). */
const STALE_MS = 24 * 3600 * 1000;

/**
 * A key of the sources as they are now: every .ts file's path, size and modification time, and the package's version.
 * Any edit, added or removed file gives another key, so a compiled CLI is never older than its sources.
 */
export function sourceKey(root = ROOT) {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'package.json')));
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) {
        const s = statSync(path);
        hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCES) walk(join(root, dir));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The entry of the compiled CLI (built now if its sources changed), or undefined where it cannot be built (no esbuild,
 * a read-only install): the caller then loads the sources through tsx.
 */
export async function compiledCli(root = ROOT) {
  const cache = join(root, 'node_modules', '.cache', 'rtc-conformance');
  const dir = join(cache, `cli-${sourceKey(root)}`);
  const entry = join(dir, 'cli.js');
  try {
    statSync(entry);
    return entry;
  } catch {
    // not built yet
  }
  try {
    const { build } = await import('esbuild');
    mkdirSync(cache, { recursive: true });
    const building = `${dir}.${process.pid}.tmp`;
    await build({
      entryPoints: { cli: join(root, 'src', 'cli.ts') },
      outdir: building,
      bundle: true,
      // Lazily imported modules stay lazy (their own chunks), packages are imported from node_modules as they are.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      plugins: [sourceUrls],
    });
    try {
      renameSync(building, dir);
    } catch {
      // Another process built the same sources at the same time: its build is as good.
      rmSync(building, { recursive: true, force: true });
    }
    for (const old of readdirSync(cache)) {
      const path = join(cache, old);
      if (path !== dir && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    }
    statSync(entry);
    return entry;
  } catch {
    return undefined;
  }
}

/** Each module keeps its own import.meta.url (the harness finds fixtures/, schemas/ and package.json from it). */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};
