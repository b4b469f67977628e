/**
 * `run()` options: their declaration, in one place for the reader of the API. Each is
 * checked once at start-up, by a resolver beside the code that uses it, so that a typo
 * fails with a message that names the option instead of surfacing as odd behaviour
 * under the daemon.
 */
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CheckpointOption } from './checkpoint/policy.js';
import type { ErrorPolicyOptions } from './engine/error-policy-options.js';
import type { MemoryOptions } from './engine/memory.js';
import type { LogLevel } from './log/level.js';

export type { MemoryOptions } from './engine/memory.js';
export type { LogLevel } from './log/level.js';
export type { ErrorPolicyOptions, SkippedRecords } from './engine/error-policy-options.js';
export { OptionsError } from './option-checks.js';

export interface RunOptions {
  /** When the engine checkpoints on its own. Default: every 60 seconds. */
  readonly checkpoint?: CheckpointOption;
  /** What happens when a handler throws. Default: retry, then exit non-zero. */
  readonly errors?: ErrorPolicyOptions;
  /** Log level; default `KCL_LOG_LEVEL`, else `warn` (the daemon logs every stderr line as an error). */
  readonly logLevel?: LogLevel;
  /** Write logs to this file instead of stderr; default `KCL_LOG_FILE`. */
  readonly logFile?: string;
  /** Use this pino logger instead of making one. */
  readonly logger?: Logger;
  /** A zod schema for every record's payload (JSON): `record.value` is validated and typed by it. */
  readonly schema?: z.ZodType;
  /**
   * Warn on stderr when one action has run this long, and again at each multiple.
   * Default: half of `KCL_TS_TIMEOUT_SECONDS` (set by `kcl-ts run` from the daemon's
   * `timeoutInSeconds`), else 60. 0 turns the warning off.
   */
  readonly hangWarningSeconds?: number;
  /**
   * Memory upkeep for large batches: a full collection after each batch of 8 MiB or
   * more, and a young generation kept at 16 MB (docs/configuration.md, "Memory"). `false` leaves V8 alone.
   */
  readonly memory?: MemoryOptions | false;
  /**
   * After a SIGTERM, SIGINT or SIGHUP, keep serving the daemon's shutdown for at most this
   * long, then exit (128 + the signal's number). The child ends sooner when its stdin
   * closes, as it does when the daemon is done. Default `KCL_TS_SIGNAL_GRACE_MILLIS`, else
   * the daemon's `shutdownGraceMillis` plus 10 s (`kcl-ts run` passes it on), else 60 s.
   * 0 ends the child on the signal. Ignored when stdin is a terminal (Ctrl-C ends it).
   */
  readonly signalGraceMillis?: number;
  /** Read the daemon from here instead of stdin (tests). */
  readonly input?: Readable;
  /** Write to the daemon here instead of stdout (tests). With `input` or `output`, `run` does not exit the process. */
  readonly output?: Writable;
}
