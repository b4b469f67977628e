/**
 * The `checkpoint` option: the policy and the retries of the checkpoints the engine and
 * the processor send. Resolved once at start-up.
 */
import { checkKnownKeys, count, OptionsError, positive } from '../option-checks.js';
import type { BackoffOptions } from './backoff.js';
import type { CheckpointOption } from './policy.js';

export function resolveCheckpointOption(option: unknown): { policy: CheckpointOption; retry: BackoffOptions } {
  if (option === 'manual') return { policy: 'manual', retry: { retries: 5, baseMs: 100, maxMs: 5000 } };
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option checkpoint must be an object or 'manual', got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  checkKnownKeys(o, 'checkpoint', ['everyRecords', 'everySeconds', 'manual', 'retries', 'backoffMs', 'maxBackoffMs']);
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
