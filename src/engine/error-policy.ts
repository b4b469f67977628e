/**
 * The error policy, carried out: a handler that threw is retried from the first record
 * not yet done, with backoff; when the retries are spent, the records go to the
 * dead-letter hook (`skip`) or the child fails (`retry`, the default), so the daemon
 * restarts the shard from its last checkpoint and nothing is lost. Only the failure path
 * comes here: a handler that succeeds first time costs no call of ours.
 */
import type { Logger } from 'pino';
import { backoffDelay, sleep } from '../checkpoint/backoff.js';
import type { ResolvedErrorPolicy } from './error-policy-options.js';
import type { LazyRecord } from './record.js';

/** The processor failed beyond what the error policy allows: the child must exit non-zero. */
export class ProcessorFailedError extends Error {
  override readonly name = 'ProcessorFailedError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

export interface FailureContext {
  /** The handler's name, for messages: `processRecords`, `initialize`, … */
  readonly stage: string;
  readonly shardId: string;
  readonly logger: Logger;
  /** Throws to stop retrying (the lease is gone); called with each failure. */
  readonly stopIf: (err: unknown) => void;
}

export interface Recovery<T> {
  /** One more try of the handler. */
  readonly retry: () => T | Promise<T>;
  /**
   * The records still to do after a failure (a batch handler may have checkpointed part
   * of its batch before it threw); `undefined` for handlers without records. None left
   * means the failure cost nothing.
   */
  readonly remaining?: () => readonly LazyRecord[];
}

export class ErrorPolicy {
  constructor(private readonly policy: ResolvedErrorPolicy) {}

  /**
   * The handler failed once with `first`: retry it as the policy says. Resolves with the
   * successful try's result, or `undefined` when the records were skipped or none was
   * left; rejects with `ProcessorFailedError` when the child must fail.
   */
  async recover<T>(context: FailureContext, first: unknown, recovery: Recovery<T>): Promise<T | undefined> {
    let err = first;
    for (let attempt = 0; ; attempt++) {
      context.stopIf(err);
      const records = recovery.remaining?.();
      if (records !== undefined && records.length === 0) return undefined;
      if (attempt >= this.policy.retries) {
        await this.giveUp(context, err, records, attempt + 1);
        return undefined;
      }
      const delay = backoffDelay(attempt, this.policy);
      context.logger.warn(
        { err, stage: context.stage, attempt: attempt + 1, delayMs: delay, sequenceNumber: records?.[0]?.sequenceNumber },
        `${context.stage} failed; retrying from the first unprocessed record`,
      );
      await sleep(delay);
      try {
        return await recovery.retry();
      } catch (next) {
        err = next;
      }
    }
  }

  /** The retries are spent: hand the records to the dead-letter hook, or fail the child. */
  private async giveUp(context: FailureContext, err: unknown, records: readonly LazyRecord[] | undefined, attempts: number): Promise<void> {
    const { stage, shardId, logger } = context;
    if (records === undefined) {
      if (this.policy.mode === 'skip') {
        logger.error({ err, stage, attempts }, `${stage} failed; going on (errors.mode is skip)`);
        return;
      }
      throw new ProcessorFailedError(`${stage} failed ${attempts} time(s) on shard ${shardId}: ${message(err)}`, { cause: err });
    }
    const first = records[0];
    const where = first === undefined ? '' : ` at sequence number ${first.sequenceNumber}${first.subSequenceNumber ? `/${first.subSequenceNumber}` : ''}`;
    const { onSkip } = this.policy;
    if (this.policy.mode === 'skip' && onSkip !== undefined) {
      logger.error({ err, stage, attempts, records: records.length }, `${stage} failed${where}; skipping ${records.length} record(s) to the dead-letter hook`);
      try {
        await onSkip({ shardId, records, error: err, attempts });
      } catch (hookErr) {
        throw new ProcessorFailedError(`errors.onSkip failed for ${records.length} record(s) of shard ${shardId}${where}: ${message(hookErr)}`, { cause: hookErr });
      }
      return;
    }
    throw new ProcessorFailedError(
      `${stage} failed ${attempts} time(s) on shard ${shardId}${where}: ${message(err)} ` +
        '(ending the lease: the daemon starts it again from its last checkpoint)',
      { cause: err },
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
