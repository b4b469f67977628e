/**
 * `run()` options, checked once at start-up so that a typo fails with a message that
 * names the option instead of surfacing as odd behaviour under the daemon.
 */
import type { Readable, Writable } from 'node:stream';
import type { Level, Logger } from 'pino';
import type { z } from 'zod';
import type { BackoffOptions } from './checkpoint/backoff.js';
import type { CheckpointOption } from './checkpoint/policy.js';
import { DEFAULT_COLLECT_AFTER_BATCH_BYTES, DEFAULT_YOUNG_GENERATION_MB, type MemoryOptions } from './engine/memory.js';
import type { KinesisRecord } from './engine/record.js';

export type { MemoryOptions } from './engine/memory.js';

export type LogLevel = Level | 'silent';

/** Records a processor failed on, handed to the dead-letter hook in `skip` mode. */
export interface SkippedRecords {
  readonly shardId: string;
  /** The records given up on: one for `processRecord`, the rest of the batch for `processRecords`. */
  readonly records: readonly KinesisRecord[];
  readonly error: unknown;
  /** How many times the handler was tried. */
  readonly attempts: number;
}

export interface ErrorPolicyOptions {
  /**
   * `retry` (default): retry from the first unprocessed record, then exit non-zero so
   * the daemon restarts the shard from its last checkpoint: nothing is lost.
   * `skip`: after the retries, hand the records to `onSkip` and move on.
   */
  readonly mode?: 'retry' | 'skip';
  /** Retries after the first try. Default 3. */
  readonly retries?: number;
  /** First pause between tries, ms (doubling, with jitter). Default 200. */
  readonly backoffMs?: number;
  /** Longest pause, ms. Default 5000. */
  readonly maxBackoffMs?: number;
  /** The dead-letter hook, required with `mode: 'skip'`. If it throws, the child exits non-zero. */
  readonly onSkip?: (skipped: SkippedRecords) => void | Promise<void>;
}

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
   * more, and a young generation kept at 16 MB (README, "Configuration"). `false` leaves V8 alone.
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

export interface ResolvedErrorPolicy extends BackoffOptions {
  readonly mode: 'retry' | 'skip';
  readonly onSkip: ((skipped: SkippedRecords) => void | Promise<void>) | undefined;
}

const LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class OptionsError extends TypeError {
  override readonly name = 'OptionsError';
}

function count(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || !Number.isInteger(value)) {
    throw new OptionsError(`option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positive(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionsError(`option ${name} must be a number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveCheckpointOption(option: unknown): { policy: CheckpointOption; retry: BackoffOptions } {
  if (option === 'manual') return { policy: 'manual', retry: { retries: 5, baseMs: 100, maxMs: 5000 } };
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option checkpoint must be an object or 'manual', got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  const known = ['everyRecords', 'everySeconds', 'manual', 'retries', 'backoffMs', 'maxBackoffMs'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new OptionsError(`unknown option checkpoint.${key} (known: ${known.join(', ')})`);
  }
  const everyRecords = o.everyRecords === undefined ? undefined : count(o.everyRecords, 'checkpoint.everyRecords', 0, 1);
  const everySeconds = positive(o.everySeconds, 'checkpoint.everySeconds');
  if (o.manual !== undefined && typeof o.manual !== 'boolean') {
    throw new OptionsError(`option checkpoint.manual must be a boolean, got ${JSON.stringify(o.manual)}`);
  }
  if (o.manual === true && (everyRecords !== undefined || everySeconds !== undefined)) {
    throw new OptionsError('option checkpoint.manual cannot be combined with everyRecords or everySeconds');
  }
  const baseMs = count(o.backoffMs, 'checkpoint.backoffMs', 100, 0);
  return {
    policy: { everyRecords, everySeconds, manual: o.manual === true },
    retry: {
      retries: count(o.retries, 'checkpoint.retries', 5, 0),
      baseMs,
      maxMs: Math.max(baseMs, count(o.maxBackoffMs, 'checkpoint.maxBackoffMs', 5000, 0)),
    },
  };
}

export function resolveErrorPolicy(option: unknown): ResolvedErrorPolicy {
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option errors must be an object, got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  const known = ['mode', 'retries', 'backoffMs', 'maxBackoffMs', 'onSkip'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new OptionsError(`unknown option errors.${key} (known: ${known.join(', ')})`);
  }
  const mode = o.mode ?? 'retry';
  if (mode !== 'retry' && mode !== 'skip') {
    throw new OptionsError(`option errors.mode must be 'retry' or 'skip', got ${JSON.stringify(o.mode)}`);
  }
  if (o.onSkip !== undefined && typeof o.onSkip !== 'function') {
    throw new OptionsError('option errors.onSkip must be a function');
  }
  if (mode === 'skip' && o.onSkip === undefined) {
    throw new OptionsError("option errors.mode 'skip' needs errors.onSkip, the hook that receives the records given up on");
  }
  const baseMs = count(o.backoffMs, 'errors.backoffMs', 200, 0);
  return {
    mode,
    retries: count(o.retries, 'errors.retries', 3, 0),
    baseMs,
    maxMs: Math.max(baseMs, count(o.maxBackoffMs, 'errors.maxBackoffMs', 5000, 0)),
    onSkip: o.onSkip as ResolvedErrorPolicy['onSkip'],
  };
}

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

/** The hang warning's period in ms, and the daemon's timeout when the environment says it. */
export function resolveHangWarning(option: unknown, env: string | undefined): { everyMs: number; daemonTimeoutSeconds: number | undefined } {
  let daemonTimeoutSeconds: number | undefined;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isFinite(n) || n <= 0) throw new OptionsError(`KCL_TS_TIMEOUT_SECONDS must be a number > 0, got ${JSON.stringify(env)}`);
    daemonTimeoutSeconds = n;
  }
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isFinite(option) || option < 0) {
      throw new OptionsError(`option hangWarningSeconds must be a number ≥ 0, got ${JSON.stringify(option)}`);
    }
    return { everyMs: option * 1000, daemonTimeoutSeconds };
  }
  return { everyMs: daemonTimeoutSeconds === undefined ? 60_000 : (daemonTimeoutSeconds * 1000) / 2, daemonTimeoutSeconds };
}

export function resolveMemoryOption(option: unknown): Required<MemoryOptions> {
  if (option === false) return { collectAfterBatchBytes: 0, youngGenerationMB: 0 };
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option memory must be an object or false, got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  const known = ['collectAfterBatchBytes', 'youngGenerationMB'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new OptionsError(`unknown option memory.${key} (known: ${known.join(', ')})`);
  }
  return {
    collectAfterBatchBytes: count(o.collectAfterBatchBytes, 'memory.collectAfterBatchBytes', DEFAULT_COLLECT_AFTER_BATCH_BYTES, 0),
    youngGenerationMB: count(o.youngGenerationMB, 'memory.youngGenerationMB', DEFAULT_YOUNG_GENERATION_MB, 0),
  };
}
