/**
 * The stderr destination: one short line per log event instead of pino's JSON. The
 * daemon prefixes each stderr line and logs it at ERROR, so an event must stay one
 * line a person reads, with the error cut down to its message and the user's frame;
 * `KCL_LOG_FILE` gets the JSON with every field and the whole stack.
 */
import { writeSync } from 'node:fs';
import { serializedExcerpt } from './excerpt.js';

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'shardId']);

/** Formats one pino JSON line; exported for tests. */
export function formatLogLine(json: string): string {
  let event: { [key: string]: unknown };
  try {
    event = JSON.parse(json) as { [key: string]: unknown };
  } catch {
    return `kcl-ts: ${json.trim()}`;
  }
  const level = LEVEL_NAMES[event.level as number] ?? String(event.level);
  const shard = typeof event.shardId === 'string' ? ` ${event.shardId}` : '';
  const fields = Object.keys(event)
    .filter((key) => !SKIP.has(key) && event[key] !== undefined)
    .map((key) => `${key}=${typeof event[key] === 'string' ? (event[key] as string) : JSON.stringify(event[key])}`);
  const err = event.err;
  const cause = err !== null && typeof err === 'object' ? `: ${serializedExcerpt(err as { message?: unknown; stack?: unknown })}` : '';
  const text = `kcl-ts: ${level}${shard}: ${String(event.msg ?? '')}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}${cause}`;
  return text.replace(/\n/g, ' ');
}

/** A pino destination (anything with `write`) that writes formatted lines to fd 2 synchronously. */
export const stderrLines = {
  write(chunk: string): void {
    for (const json of chunk.split('\n')) {
      if (json.length === 0) continue;
      try {
        writeSync(2, `${formatLogLine(json)}\n`);
      } catch {
        // stderr is gone (the daemon's pipe closed): nothing left to tell.
      }
    }
  },
};
