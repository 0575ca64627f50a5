#!/usr/bin/env node
// --version answers at once: no module of the harness.
if (process.argv[2] === '--version') {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}
// The harness is TypeScript: its CLI runs compiled (bin/compiled.js, rebuilt whenever a source changes); where that
// cannot be written, tsx loads the sources as they are (vitest loads the suites itself, either way).
const { compiledCli } = await import('./compiled.js');
const compiled = await compiledCli();
if (compiled) {
  const { pathToFileURL } = await import('node:url');
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
