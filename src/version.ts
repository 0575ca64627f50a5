import { readFileSync } from 'node:fs';

/** The harness version, from package.json (bin/rtc-conformance.js answers --version without loading anything). */
export const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;
