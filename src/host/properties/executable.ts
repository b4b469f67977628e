/**
 * `executableName` checked as the daemon will run it: split on every space (no shell, no
 * quoting), the first word looked up the way ProcessBuilder does, relative to the
 * daemon's working directory, else on PATH.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { resolveCommand } from '../command.js';
import type { Report } from './diagnostic.js';
import type { PropertyEntry } from './parse.js';

/** Where the command will be looked up; defaults are this process's. */
export interface ExecutableContext {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Split the way the daemon does (`command.split(" +")`). */
export function splitExecutable(command: string): string[] {
  const parts = command.split(/ +/);
  // Java's String.split drops trailing empty strings but keeps a leading one.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function checkExecutable(e: PropertyEntry, opts: ExecutableContext, add: Report): void {
  const parts = splitExecutable(e.value);
  const first = parts[0];
  if (first === undefined || first === '') {
    add(
      'error',
      e.value.trim() === ''
        ? 'empty command'
        : 'starts with a space: the daemon splits on spaces and would run an empty program name',
      e,
    );
    return;
  }
  if (/[\t]/.test(e.value)) {
    add('warning', 'contains a tab: the daemon splits only on spaces, so the tab stays inside an argument', e);
  }
  if (/["']/.test(e.value) || /\\ /.test(e.value)) {
    add('warning', 'quotes and escaped spaces are not understood: the daemon splits on every space and uses no shell', e);
  }
  if (/[$`*?~|&;<>]/.test(e.value)) {
    add('warning', 'no shell runs this command: $VARS, ~, globs, pipes and redirections are passed literally', e);
  }
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const resolved = resolveCommand(first, cwd, env);
  if (!resolved) {
    const where = first.includes('/')
      ? `${path.resolve(cwd, first)} (relative paths resolve against the daemon's working directory ${cwd})`
      : `PATH (${env['PATH'] ?? ''})`;
    add('error', `'${first}' not found: looked in ${where}`, e);
    const joined = parts.slice(0, 2).join(' ');
    if (parts.length > 1 && resolveCommand(joined, cwd, env)) {
      add('error', `'${joined}' exists: a path containing a space cannot be used, the daemon splits it into two words`, e);
    } else if (parts.length > 1 && first.includes('/') && !parts[1]!.startsWith('-')) {
      add(
        'warning',
        `'${joined}' looks like a path containing a space: the daemon splits it into '${first}' and '${parts[1]}'`,
        e,
      );
    }
  }
  if (first.includes('/') && parts.length > 1 && !resolved) return;
  // A path argument with a space split apart, e.g. "node /opt/my app/main.js".
  for (let i = 1; i + 1 < parts.length; i++) {
    const a = parts[i]!;
    if (a.includes('/') && !exists(path.resolve(cwd, a)) && exists(path.resolve(cwd, `${a} ${parts[i + 1]!}`))) {
      add('error', `'${a} ${parts[i + 1]}' looks like one path containing a space; the daemon splits it into two arguments`, e);
    }
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
