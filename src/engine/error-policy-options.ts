/**
 * The error policy's options: what happens when a handler throws. Resolved once at
 * start-up; carried out by `error-policy.ts`.
 */
import type { BackoffOptions } from '../checkpoint/backoff.js';
import { checkKnownKeys, count, OptionsError } from '../option-checks.js';
import type { KinesisRecord } from './record.js';

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

export interface ResolvedErrorPolicy extends BackoffOptions {
  readonly mode: 'retry' | 'skip';
  readonly onSkip: ((skipped: SkippedRecords) => void | Promise<void>) | undefined;
}

export function resolveErrorPolicy(option: unknown): ResolvedErrorPolicy {
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option errors must be an object, got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  checkKnownKeys(o, 'errors', ['mode', 'retries', 'backoffMs', 'maxBackoffMs', 'onSkip']);
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

