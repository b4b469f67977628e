/**
 * Finding a program the way the JVM's ProcessBuilder (posix_spawn/execvp) does on Unix,
 * shared by the Java lookup and the `executableName` check: both must agree with what
 * will really run.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A name containing '/' is a path relative to the working directory; anything else is
 * searched on PATH (relative PATH entries relative to the working directory too).
 */
export function resolveCommand(name: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes('/')) {
    const p = path.resolve(cwd, name);
    return isExecutableFile(p) ? p : undefined;
  }
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.resolve(cwd, dir, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}
