#!/usr/bin/env node
// --version answers at once: no TypeScript loader, no module of the harness.
if (process.argv[2] === '--version') {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}
// The harness is TypeScript run as is: tsx loads it (vitest does the same for the suites).
// The commands that drive vitest load its modules (and the other packages a run needs at once) first, without tsx's
// loader hooks in their way: a third of the start-up time. `list` reads the case catalogue and `mock` needs none of it
// (and runs in a container image that carries no vitest native binding).
if (['run', 'report'].includes(process.argv[2]) && !process.argv.includes('--help') && !process.argv.includes('--quirks')) {
  await Promise.all(['vitest/node', 'allure-vitest/reporter', 'allure-js-commons/sdk/reporter', 'ws', 'yaml'].map((m) => import(m)));
}
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli.ts');
