/** The command line of a sub-command: util.parseArgs, strict, with `--help` added. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CliIO, type Command } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * util.parseArgs in strict mode with a `--help`/`-h` flag added; parse errors become
 * UsageError. Returns undefined when help was requested (already printed).
 */
export interface ParsedCommandArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export function parseCommandArgs(
  cmd: Pick<Command, 'help'>,
  argv: string[],
  io: CliIO,
  options: Options,
  allowPositionals = false,
): ParsedCommandArgs | undefined {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  let parsed: ParsedCommandArgs;
  try {
    parsed = parseArgs({ args: argv, options: all, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values['help']) {
    io.stdout(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`);
    return undefined;
  }
  return parsed;
}

/** A string option's value (undefined when absent). */
export function str(v: ParsedCommandArgs['values'][string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
