/**
 * stdout is the protocol channel: one stray `console.log` from user code or a library
 * and the daemon reads garbage. The guard sends every other write to stderr and hands
 * back the one function that still reaches stdout, for the protocol writer alone.
 */
import type { WriteFunction } from './writer.js';

let protocolWrite: WriteFunction | undefined;

export function guardStdout(): WriteFunction {
  if (protocolWrite !== undefined) return protocolWrite;
  const stdout = process.stdout;
  const original = stdout.write.bind(stdout) as (chunk: string, cb: (err?: Error | null) => void) => boolean;
  const stderr = process.stderr;
  stdout.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) =>
    (stderr.write as (...args: unknown[]) => boolean)(chunk, encoding, cb)) as typeof stdout.write;
  protocolWrite = (chunk, cb) => original(chunk, cb);
  return protocolWrite;
}
