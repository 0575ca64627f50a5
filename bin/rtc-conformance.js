#!/usr/bin/env node
// The harness is TypeScript run as is: tsx loads it (vitest does the same for the suites).
// vitest's own modules are loaded first, without tsx's loader hooks in their way: that takes a third of the time.
await import('vitest/node');
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli.ts');
