import { parseArgs } from 'node:util';

/** A mistake in the command line: the CLI prints it with the command's own help and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One option, declared once: parsing and the command's `--help` both come from it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  default?: string | boolean | string[];
  /** Placeholder of the value in the help text (`FILE`, `URL`, `N`). */
  value?: string;
  help: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** A CLI command (run, list, mock, report, probe, diff): one module each under src/commands/. */
export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** What follows the command name, e.g. `BASE CANDIDATE`; absent when the command takes no positionals. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  /** Extra lines printed after the options by `--help`. */
  notes?: string;
  /** `argv`: the command's own arguments as typed (a rerun command repeats some of them). */
  run(values: OptionValues, positionals: string[], argv: string[]): Promise<number>;
}

/** `rtc-conformance CMD --help`. */
export function commandHelp(cmd: Command): string {
  const lines = [`usage: rtc-conformance ${cmd.name}${cmd.positionals ? ` ${cmd.positionals}` : ''} [options]`, '', cmd.summary, ''];
  const rows = Object.entries(cmd.options).map(([name, o]) => [`--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`, o.help + (o.multiple ? ' (repeatable)' : '')]);
  rows.push(['--help', 'print this help']);
  const width = Math.min(28, Math.max(...rows.map((r) => r[0].length)));
  lines.push('options:');
  for (const [flag, help] of rows) {
    const pad = flag.length > width ? `\n${' '.repeat(width + 4)}` : ' '.repeat(width - flag.length + 2);
    lines.push(`  ${flag}${pad}${help}`);
  }
  if (cmd.notes) lines.push('', cmd.notes);
  return lines.join('\n');
}

/** Parses a command's arguments strictly; `--help` is always accepted. */
export function parseCommandArgs(cmd: Command, args: string[]): { values: OptionValues; positionals: string[]; help: boolean } {
  const options = Object.fromEntries(
    Object.entries(cmd.options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } } as never, allowPositionals: Boolean(cmd.positionals), strict: true });
    const v = values as OptionValues;
    const help = Boolean(v.help);
    delete v.help;
    return { values: v, positionals, help };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
