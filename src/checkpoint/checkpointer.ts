/**
 * The checkpointer a processor gets. It is open only while the daemon waits on this
 * processor (inside `processRecords`, `shardEnded`, `shutdownRequested`): the daemon
 * reads the child's stdout only then, so a checkpoint written at any other time would
 * not be read until the next action, and would answer the wrong conversation.
 */
import type { Connection } from '../transport/connection.js';
import { ConnectionClosedError } from '../transport/connection.js';
import { formatPosition, isSequenceNumber, type Position } from '../protocol/sequence.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { CheckpointError, LEASE_GONE_CODES, RETRYABLE_CODES } from './errors.js';

export interface Checkpointer {
  /** Checkpoint at the last record delivered to this processor (at shard end: the shard's end). */
  checkpoint(): Promise<void>;
  /** Checkpoint at this sequence number (and sub-sequence number, for KPL-aggregated records). */
  checkpoint(sequenceNumber: string, subSequenceNumber?: number): Promise<void>;
  /** Checkpoint at this record: everything up to and including it is done. */
  checkpoint(record: { readonly sequenceNumber: string; readonly subSequenceNumber: number }): Promise<void>;
}

/** What a successful checkpoint recorded; `null` position means "the last record delivered". */
export interface CheckpointTarget {
  readonly sequenceNumber: string | null;
  readonly subSequenceNumber: number | null;
}

export interface CheckpointerHooks {
  /** Called after the daemon confirmed a checkpoint. */
  onCheckpointed(target: CheckpointTarget): void;
  /** Called once when the daemon says the lease is gone. */
  onLeaseGone(code: string): void;
  /** Called before each retry, for the log. */
  onRetry(code: string, attempt: number, delayMs: number): void;
}

export class LeaseCheckpointer implements Checkpointer {
  private open = false;
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly retry: BackoffOptions,
    private readonly hooks: CheckpointerHooks,
  ) {}

  /** The daemon now waits on this processor. */
  openWindow(): void {
    this.open = true;
  }

  /**
   * The handler is done: calls still queued fail, and the one on the wire (if any) is
   * awaited, so its reply is read before the engine writes the status.
   */
  async closeWindow(): Promise<void> {
    this.open = false;
    await this.inFlight.catch(() => undefined);
    await this.tail.catch(() => undefined);
  }

  get isOpen(): boolean {
    return this.open;
  }

  checkpoint(
    first?: string | { readonly sequenceNumber: string; readonly subSequenceNumber: number },
    subSequenceNumber?: number,
  ): Promise<void> {
    let target: CheckpointTarget;
    try {
      target = toTarget(first, subSequenceNumber);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.open) return Promise.reject(closedError(target));
    const run = this.tail.then(() => this.send(target));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The engine's own checkpoints (policies, shard end) use the same queue and retries. */
  checkpointPosition(position: Position | null): Promise<void> {
    return position === null ? this.checkpoint() : this.checkpoint(position.sequenceNumber, position.subSequenceNumber);
  }

  private async send(target: CheckpointTarget): Promise<void> {
    if (!this.open) throw closedError(target);
    for (let attempt = 0; ; attempt++) {
      const sending = this.connection.checkpoint(target.sequenceNumber, target.subSequenceNumber);
      this.inFlight = sending;
      let code: string | null | undefined;
      try {
        code = (await sending).error;
      } catch (err) {
        if (err instanceof ConnectionClosedError) {
          throw new CheckpointError('ConnectionClosed', `checkpoint at ${describeTarget(target)}: ${err.message}`, attempt + 1);
        }
        throw err;
      }
      if (code === null || code === undefined) {
        this.hooks.onCheckpointed(target);
        return;
      }
      if (RETRYABLE_CODES.has(code) && attempt < this.retry.retries && this.open) {
        const delay = backoffDelay(attempt, this.retry);
        this.hooks.onRetry(code, attempt + 1, delay);
        await sleep(delay);
        continue;
      }
      if (LEASE_GONE_CODES.has(code)) this.hooks.onLeaseGone(code);
      throw new CheckpointError(
        code,
        `checkpoint at ${describeTarget(target)} failed: the daemon answered ${code}` +
          (attempt > 0 ? ` (after ${attempt + 1} tries)` : ''),
        attempt + 1,
      );
    }
  }
}

function toTarget(
  first: string | { readonly sequenceNumber: string; readonly subSequenceNumber: number } | undefined,
  sub: number | undefined,
): CheckpointTarget {
  if (first === undefined || first === null) {
    if (sub !== undefined) throw invalid('a subSequenceNumber needs a sequenceNumber');
    return { sequenceNumber: null, subSequenceNumber: null };
  }
  const seq = typeof first === 'string' ? first : first?.sequenceNumber;
  const subSeq = typeof first === 'string' ? sub : first?.subSequenceNumber;
  if (typeof seq !== 'string' || !isSequenceNumber(seq)) {
    throw invalid(`sequenceNumber must be a decimal string, got ${JSON.stringify(seq)}`);
  }
  if (subSeq !== undefined && subSeq !== null && (!Number.isSafeInteger(subSeq) || subSeq < 0)) {
    throw invalid(`subSequenceNumber must be a non-negative integer, got ${JSON.stringify(subSeq)}`);
  }
  return { sequenceNumber: seq, subSequenceNumber: subSeq ?? null };
}

function invalid(message: string): CheckpointError {
  return new CheckpointError('InvalidArgument', `checkpoint(): ${message}`);
}

function closedError(target: CheckpointTarget): CheckpointError {
  return new CheckpointError(
    'CheckpointerClosed',
    `checkpoint at ${describeTarget(target)} refused: the daemon is not waiting on this processor ` +
      '(checkpoint only inside processRecords/processRecord, shardEnded or shutdownRequested, and await it before returning)',
  );
}

export function describeTarget(target: CheckpointTarget): string {
  if (target.sequenceNumber === null) return 'the last record delivered';
  return formatPosition({ sequenceNumber: target.sequenceNumber, subSequenceNumber: target.subSequenceNumber ?? 0 });
}
