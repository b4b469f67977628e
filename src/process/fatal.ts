/**
 * How a process of ours says why it ends: one line a person reads in the daemon's log
 * (which prefixes every stderr line and logs it at ERROR), and the cause cut to its
 * message and the user's frame. The whole error goes to the log file, when there is one.
 */
import { writeSync } from 'node:fs';
import type { Logger } from 'pino';
import { errorExcerpt } from '../log/excerpt.js';
import { maskSecrets } from '../log/redact.js';
import { OutputClosedError } from '../transport/writer.js';

/** Writes one line to stderr, synchronously: the process may exit right after. */
export function writeLine(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // stderr is gone too: the exit status is all that is left to say it.
  }
}

/** The fatal line and its cause line; `prefix` names a hub's session (its shard). */
export function reportFatal(err: unknown, logger: Logger | undefined, detailed: boolean, prefix = ''): void {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  writeLine(`kcl-ts: fatal: ${prefix}${maskSecrets(text.replace(/\n/g, ' '))}`);
  const cause = err instanceof Error && err.cause !== undefined && !(err instanceof OutputClosedError) ? err.cause : undefined;
  if (cause !== undefined) writeLine(`kcl-ts:   caused by ${maskSecrets(errorExcerpt(cause))}`);
  if (detailed) logger?.fatal({ err }, text);
}

/** Whether the logger writes somewhere that takes detail (a file, or the user's own logger). */
export function detailedLogs(options: { readonly logger?: unknown; readonly logFile?: string }): boolean {
  const file = options.logFile ?? process.env.KCL_LOG_FILE;
  return options.logger !== undefined || (file !== undefined && file !== '');
}
