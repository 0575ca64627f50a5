import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
// @ts-expect-error: bin/ is plain JavaScript, without declarations
import { compiledCli, sourceKey } from '../../bin/compiled.js';
import { tmp } from '../run-cli.ts';

/** A package of two sources the way the harness's are laid out: src/cli.ts imports a module of mocks/, lazily. */
function fakePackage(): string {
  const root = tmp('rtc-compiled-');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'mocks'));
  writeFileSync(join(root, 'package.json'), '{"name":"fake","version":"1.0.0"}');
  writeFileSync(join(root, 'src', 'cli.ts'), "const { where } = await import('../mocks/where.ts');\nconst n: number = 1;\nconsole.log(where(), import.meta.url, n);\n");
  writeFileSync(join(root, 'mocks', 'where.ts'), "export const where = (): string => 'first';\n");
  return root;
}

const run = (entry: string) => execFileSync(process.execPath, [entry], { encoding: 'utf8' }).trim();

describe('the compiled CLI (bin/compiled.js)', () => {
  test('is built from the sources, keeps each module\'s import.meta.url, and is rebuilt when any source changes', async () => {
    const root = fakePackage();
    const first = (await compiledCli(root)) as string;
    expect(first).toMatch(/node_modules\/\.cache\/rtc-conformance\/cli-[0-9a-f]{16}\/cli\.js$/);
    expect(run(first)).toBe(`first ${pathToFileURL(join(root, 'src', 'cli.ts')).href} 1`);
    // Unchanged sources: the same build, not a new one.
    expect(await compiledCli(root)).toBe(first);

    writeFileSync(join(root, 'mocks', 'where.ts'), "export const where = (): string => 'second';\n");
    const second = (await compiledCli(root)) as string;
    expect(second).not.toBe(first);
    expect(run(second)).toMatch(/^second /);
  });

  test('the key changes with an edit (even of the same size), an added or removed file, the version', () => {
    const root = fakePackage();
    const keys = new Set([sourceKey(root)]);
    const file = join(root, 'mocks', 'where.ts');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    keys.add(sourceKey(root));
    writeFileSync(join(root, 'src', 'extra.ts'), 'export {};\n');
    keys.add(sourceKey(root));
    rmSync(join(root, 'src', 'extra.ts'));
    utimesSync(file, new Date(), new Date(Date.now() + 9000));
    keys.add(sourceKey(root));
    writeFileSync(join(root, 'package.json'), '{"name":"fake","version":"1.0.1"}');
    keys.add(sourceKey(root));
    expect(keys.size).toBe(5);
  });

  test('where the cache cannot be written, there is no compiled CLI (bin/ then loads the sources through tsx)', async () => {
    const root = fakePackage();
    writeFileSync(join(root, 'node_modules'), 'a file where the folder would be');
    expect(await compiledCli(root)).toBeUndefined();
  });
});
