/**
 * The log level: the `logLevel` option, else `KCL_LOG_LEVEL`, else `warn` (the daemon
 * logs every stderr line at ERROR, so the default says little).
 */
import type { Level } from 'pino';
import { OptionsError } from '../option-checks.js';

export type LogLevel = Level | 'silent';

const LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function resolveLogLevel(option: unknown, env: string | undefined): LogLevel {
  if (option !== undefined) {
    if (typeof option !== 'string' || !LEVELS.has(option)) {
      throw new OptionsError(`option logLevel must be one of ${[...LEVELS].join(', ')}, got ${JSON.stringify(option)}`);
    }
    return option as LogLevel;
  }
  if (env !== undefined && env !== '') {
    if (!LEVELS.has(env)) throw new OptionsError(`KCL_LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got ${JSON.stringify(env)}`);
    return env as LogLevel;
  }
  return 'warn';
}
