/**
 * What a `kcl-ts` sub-command is: its name, help and entry point, where it writes, and the
 * error that means "bad command line" (printed with the usage, exit 2).
 */
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

