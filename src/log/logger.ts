/**
 * Logs never go to stdout (the protocol channel). On stderr every line lands in the
 * daemon's log at ERROR level, so the default level is `warn`; a file destination
 * (`logFile` / `KCL_LOG_FILE`) takes anything chattier.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../options.js';
import { MASK, REDACT_PATHS, maskSecrets } from './redact.js';

let current: Logger | undefined;

export function createLogger(level: LogLevel, file: string | undefined): Logger {
  const destination =
    file === undefined || file === ''
      ? pino.destination({ dest: 2, sync: true })
      : pino.destination({ dest: file, mkdir: true, sync: true });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: MASK },
      hooks: {
        // Messages (and string arguments) are masked too, not only known keys.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log(object) {
          const err = object.err as { message?: unknown; stack?: unknown } | undefined;
          if (err !== undefined && err !== null && typeof err === 'object') {
            return { ...object, err: { ...err, message: maskSecrets(String(err.message ?? '')), stack: maskSecrets(String(err.stack ?? '')) } };
          }
          return object;
        },
      },
    },
    destination,
  );
}

/** The logger the engine uses (bound to the shard id once `initialize` arrived). */
export function getLogger(): Logger {
  return (current ??= createLogger('warn', process.env.KCL_LOG_FILE));
}

export function setLogger(logger: Logger): void {
  current = logger;
}
