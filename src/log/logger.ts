/**
 * Logs never go to stdout (the protocol channel). On stderr every line lands in the
 * daemon's log at ERROR level, so the default level is `warn` and each event is one short
 * line (`stderr-lines.ts`); a file destination (`logFile` / `KCL_LOG_FILE`) takes JSON
 * with full detail, and anything chattier.
 */
import { createRequire } from 'node:module';
import type { Bindings, Logger } from 'pino';
import type * as Pino from 'pino';
import type { LogLevel } from './level.js';
import { MASK, REDACT_PATHS, maskSecrets } from './redact.js';
import { stderrLines } from './stderr-lines.js';

let current: Logger | undefined;

// pino is CommonJS, so it can be loaded synchronously on first use: a child that logs
// nothing at the default level never loads it (a third of an idle child's start-up).
const requirePino = (): typeof Pino => createRequire(import.meta.url)('pino') as typeof Pino;

const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const LEVEL_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * A pino `Logger` that creates the real one only when something needs it: a call at an
 * enabled level, or any property other than `child` and the disabled level methods.
 */
export function lazyLogger(level: LogLevel, make: () => Logger, bindings: Bindings = {}): Logger {
  const threshold = LEVEL_VALUES[level] ?? 40;
  let real: Logger | undefined;
  const materialize = (): Logger => (real ??= Object.keys(bindings).length === 0 ? make() : make().child(bindings));
  const noop = () => undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (real === undefined) {
        if (prop === 'child') return (more: Bindings) => lazyLogger(level, make, { ...bindings, ...more });
        if (typeof prop === 'string' && LEVEL_METHODS.has(prop) && (LEVEL_VALUES[prop] ?? 0) < threshold) return noop;
        if (prop === 'flush') return noop; // nothing written yet
        if (prop === 'level') return level;
      }
      const target = materialize();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(materialize(), prop, value);
    },
  });
}

export function createLogger(level: LogLevel, file: string | undefined): Logger {
  let root: Logger | undefined;
  // One root, shared by every child logger made from this one.
  return lazyLogger(level, () => (root ??= makePino(level, file)));
}

function makePino(level: LogLevel, file: string | undefined): Logger {
  const { pino } = requirePino();
  const destination =
    file === undefined || file === ''
      ? stderrLines
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

/** The child's root logger, for code outside a handler (handlers get one bound to their shard in their input). */
export function getLogger(): Logger {
  return (current ??= createLogger('warn', process.env.KCL_LOG_FILE));
}

export function setLogger(logger: Logger): void {
  current = logger;
}
