#!/usr/bin/env node
// The harness is TypeScript run as is: tsx loads it (vitest does the same for the suites).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
