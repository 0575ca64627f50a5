import { commandHelp, parseCommandArgs, UsageError } from './commands/command.ts';
import { COMMANDS } from './commands/index.ts';
import { redact } from './report/redact.ts';
import { TargetError } from './target/target.ts';
import { VERSION } from './version.ts';

/** The CLI: only the dispatch. Each command lives in src/commands/ and declares its options (and so its --help) once. */
function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: rtc-conformance <command> [options]      (rtc-conformance <command> --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'exit codes: 0 all passed, 1 a case failed or was broken, 2 usage or target error, 130 interrupted',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  let parsed;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (err) {
    if (err instanceof UsageError) throw Object.assign(err, { command });
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  try {
    return await command.run(parsed.values, parsed.positionals, rest);
  } catch (err) {
    if (err instanceof UsageError) throw Object.assign(err, { command });
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      const command = (err as { command?: (typeof COMMANDS)[number] }).command;
      process.stderr.write(`rtc-conformance: ${redact(err.message)}\n\n${command ? commandHelp(command) : usage()}\n`);
      process.exit(2);
    }
    if (err instanceof TargetError) {
      process.stderr.write(`rtc-conformance: ${redact(err.message)}\n`);
      process.exit(2);
    }
    process.stderr.write(`rtc-conformance: internal error: ${redact(String(err?.stack ?? err))}\n`);
    process.exit(2);
  },
);
