/**
 * When the engine checkpoints on its own. Policies are evaluated at batch boundaries
 * (after a batch, or after a record a per-record processor asked to checkpoint):
 * the daemon reads the child's stdout only while it waits for a status, so a timer
 * firing between batches could not send anything anyway — its checkpoint would be
 * read during the next action and answer the wrong conversation.
 */
export interface CheckpointPolicyOptions {
  /** Checkpoint once at least this many records were processed since the last checkpoint. */
  readonly everyRecords?: number;
  /** Checkpoint once at least this many seconds passed since the last checkpoint. */
  readonly everySeconds?: number;
  /** No checkpoints but those the processor makes (and the shard end, which the KCL needs). */
  readonly manual?: boolean;
  /** Retries of a checkpoint answered `ThrottlingException` or `KinesisClientLibDependencyException`. Default 5. */
  readonly retries?: number;
  /** First backoff pause, ms. Default 100. */
  readonly backoffMs?: number;
  /** Longest backoff pause, ms. Default 5000. */
  readonly maxBackoffMs?: number;
}

export type CheckpointOption = CheckpointPolicyOptions | 'manual';

export const DEFAULT_EVERY_SECONDS = 60;

export class CheckpointPolicy {
  readonly everyRecords: number | undefined;
  readonly everySeconds: number | undefined;
  readonly manual: boolean;
  private pending = 0;
  private since: number;

  constructor(options: CheckpointOption | undefined, private readonly now: () => number = Date.now) {
    const opts: CheckpointPolicyOptions = options === 'manual' ? { manual: true } : options ?? {};
    this.manual = opts.manual === true;
    this.everyRecords = opts.everyRecords;
    this.everySeconds = opts.everySeconds;
    if (!this.manual && this.everyRecords === undefined && this.everySeconds === undefined) {
      this.everySeconds = DEFAULT_EVERY_SECONDS;
    }
    this.since = now();
  }

  recordsProcessed(count: number): void {
    this.pending += count;
  }

  /** True when a checkpoint of the records processed so far is due. */
  due(): boolean {
    if (this.manual || this.pending === 0) return false;
    if (this.everyRecords !== undefined && this.pending >= this.everyRecords) return true;
    return this.everySeconds !== undefined && this.now() - this.since >= this.everySeconds * 1000;
  }

  /** A checkpoint succeeded (the processor's or the engine's). */
  checkpointed(): void {
    this.pending = 0;
    this.since = this.now();
  }

  describe(): string {
    if (this.manual) return 'manual';
    const parts: string[] = [];
    if (this.everyRecords !== undefined) parts.push(`every ${this.everyRecords} records`);
    if (this.everySeconds !== undefined) parts.push(`every ${this.everySeconds} s`);
    return parts.join(' or ');
  }
}
