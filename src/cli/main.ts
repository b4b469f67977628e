/**
 * kcl-ts command line. `bin/kcl-ts.js` imports the built copy of this module
 * (dist/cli/main.js) and calls `cli()`; `npx tsx src/cli/main.ts …` runs it directly.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { maskSecrets } from '../log/redact.js';
import { COMMANDS } from './commands/index.js';
import { UsageError, type CliIO, type Command } from './command.js';

export { COMMANDS } from './commands/index.js';
export { UsageError, type CliIO, type Command } from './command.js';

export function packageVersion(): string {
  // src/cli/main.ts and dist/cli/main.js both sit two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: kcl-ts <command> [options]

Runs the Amazon KCL MultiLangDaemon for a Node.js record processor, and checks its setup.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show this help ("kcl-ts <command> --help" for a command's)
  -v, --version  print the kcl-ts version

Environment:
  KCL_TS_CACHE_DIR    jar cache (default $XDG_CACHE_HOME/kcl-ts or ~/.cache/kcl-ts)
  KCL_TS_MAVEN_REPO   Maven repository URL (default Maven Central)
  JAVA_HOME           Java to use when --java is not given
`;
}

function defaultIO(): CliIO {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Run the CLI; resolves with the exit status (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], rawIO: CliIO = defaultIO()): Promise<number> {
  // Every message kcl-ts prints (help, diagnostics, errors) is masked for secrets.
  const io: CliIO = { ...rawIO, stdout: (s) => rawIO.stdout(maskSecrets(s)), stderr: (s) => rawIO.stderr(maskSecrets(s)) };
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(topLevelHelp());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? rest[0] : undefined;
    const cmd = target ? COMMANDS.find((c) => c.name === target) : undefined;
    if (target && !cmd) return usageError(io, `unknown command: ${target}`);
    io.stdout(cmd ? cmd.help : topLevelHelp());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    return usageError(io, first.startsWith('-') ? `unknown option: ${first}` : `unknown command: ${first}`);
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message, cmd);
    io.stderr(`kcl-ts ${cmd.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function usageError(io: CliIO, message: string, cmd?: Command): number {
  io.stderr(`kcl-ts${cmd ? ` ${cmd.name}` : ''}: ${message}\n\n`);
  io.stderr(cmd ? cmd.help : topLevelHelp());
  return 2;
}

/** Entry point for bin/kcl-ts.js: runs main() and sets the process exit code. */
export async function cli(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv);
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) void cli();
