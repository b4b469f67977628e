/**
 * Where a lease stands: the last record delivered, the last processed successfully, the
 * last checkpoint the daemon confirmed. The engine's checkpoints are decided from these
 * alone, which is how "never checkpoint past a record that failed" stays one comparison.
 * Positions only: a record is a view into its batch's chunks and would keep them alive.
 */
import type { CheckpointTarget } from '../checkpoint/checkpointer.js';
import { comparePositions, isSequenceNumber, type Position } from '../protocol/sequence.js';

function positionOf(p: Position): Position {
  return { sequenceNumber: p.sequenceNumber, subSequenceNumber: p.subSequenceNumber };
}

export class LeaseProgress {
  /** The largest record processed successfully (records come in order, so: the last one). */
  private lastProcessed: Position | null = null;
  private lastDelivered: Position | null = null;
  /** Where the last confirmed checkpoint stands; null before the first one. */
  private checkpointedAt: Position | null = null;
  /** Checkpoints confirmed since the current handler's window opened. */
  checkpointsInWindow = 0;
  /** The shard's end itself was checkpointed (inside `shardEnded`). */
  shardEndCheckpointed = false;

  /** `initialize` names where the lease's last checkpoint stands (or a sentinel). */
  resumeFrom(sequenceNumber: string | null, subSequenceNumber: number | null): void {
    if (sequenceNumber !== null && isSequenceNumber(sequenceNumber)) {
      this.checkpointedAt = { sequenceNumber, subSequenceNumber: subSequenceNumber ?? 0 };
    }
  }

  delivered(last: Position | undefined): void {
    if (last !== undefined) this.lastDelivered = positionOf(last);
  }

  /** Per record on the hot path: the record itself is kept until `settle()`. */
  processed(last: Position | undefined): void {
    if (last !== undefined) this.lastProcessed = last;
  }

  /** The batch is answered: keep positions only, not views into its chunks. */
  settle(): void {
    if (this.lastProcessed !== null) this.lastProcessed = positionOf(this.lastProcessed);
  }

  /** The daemon confirmed a checkpoint; `stage` is the handler it was taken in. */
  confirmed(target: CheckpointTarget, stage: string): void {
    this.checkpointsInWindow++;
    if (target.sequenceNumber === null) {
      if (stage === 'shardEnded') this.shardEndCheckpointed = true;
      this.checkpointedAt = this.lastDelivered ?? this.checkpointedAt;
    } else {
      this.checkpointedAt = { sequenceNumber: target.sequenceNumber, subSequenceNumber: target.subSequenceNumber ?? 0 };
    }
  }

  /** The records of `records` past the last checkpoint (a handler may have checkpointed part of its batch). */
  notCheckpointed<R extends Position>(records: readonly R[]): readonly R[] {
    const at = this.checkpointedAt;
    if (at === null) return records;
    let i = 0;
    while (i < records.length && comparePositions(records[i]!, at) <= 0) i++;
    return i === 0 ? records : records.slice(i);
  }

  /** What a checkpoint of the progress would record: the last processed record, if past the last checkpoint. */
  toCheckpoint(): { readonly due: Position | null; readonly done: boolean } {
    const target = this.lastProcessed;
    if (target === null) return { due: null, done: false };
    if (this.checkpointedAt !== null && comparePositions(target, this.checkpointedAt) <= 0) return { due: null, done: true };
    return { due: target, done: false };
  }
}
