import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes and what it sees (injectable for tests). */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * One `kcl-ts <name>` sub-command. To add one (e.g. `record`, `init`): create
 * src/cli/commands/<name>.ts exporting a Command and list it in commands/index.ts.
 */
export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full help text for `kcl-ts <name> --help` (starts with the usage line). */
  help: string;
  /** Returns the exit status. Throw UsageError for bad arguments (exit 2 + usage). */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Bad command line: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

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
