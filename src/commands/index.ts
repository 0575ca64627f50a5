import type { Command } from './command.ts';
import { diffCommand } from './diff.ts';
import { listCommand } from './list.ts';
import { mockCommand } from './mock.ts';
import { probeCommand } from './probe.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';

/** Every CLI command, in the order the top-level help lists them. Each module declares its options once. */
export const COMMANDS: Command[] = [runCommand, listCommand, mockCommand, reportCommand, probeCommand, diffCommand];
