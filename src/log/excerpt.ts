/**
 * Short forms of an error for stderr, where the daemon copies every line into its log at
 * ERROR level: a stack trace there is a dozen lines of noise per failure, and the frames
 * that matter are the user's, not ours. The full error goes to the log file.
 */
import { fileURLToPath } from 'node:url';

// The package's root (this file is <root>/dist/log/ or <root>/src/log/).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN = [`${ROOT}dist/`, `${ROOT}src/`];

/** The first stack frame in the user's code (else in a library, else any), without "at ". */
export function userFrame(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .map((line) => line.slice(3));
  const ours = (frame: string) => OWN.some((dir) => frame.includes(dir) || frame.includes(`file://${dir}`));
  const internal = (frame: string) => frame.includes('node:') || frame.includes('(<anonymous>)') || frame === '<anonymous>';
  const candidates = frames.filter((frame) => !ours(frame) && !internal(frame));
  return candidates.find((frame) => !frame.includes('/node_modules/')) ?? candidates[0] ?? frames[0];
}

/** `Name: message (at where)`, one line. */
export function errorExcerpt(err: unknown): string {
  if (!(err instanceof Error)) return oneLine(typeof err === 'string' ? err : safeString(err));
  const where = userFrame(err.stack);
  return oneLine(`${err.name}: ${err.message}`) + (where === undefined ? '' : ` (at ${where})`);
}

/** The same for an error pino already serialized (`{ type, message, stack }`). */
export function serializedExcerpt(err: { readonly type?: unknown; readonly name?: unknown; readonly message?: unknown; readonly stack?: unknown }): string {
  const stack = typeof err.stack === 'string' ? err.stack : undefined;
  const name = typeof err.name === 'string' ? err.name : (stack?.split('\n')[0]?.split(':')[0] ?? 'Error');
  const where = userFrame(stack);
  return oneLine(`${name}: ${String(err.message ?? '')}`) + (where === undefined ? '' : ` (at ${where})`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
