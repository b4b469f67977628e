/**
 * The KCL's checkpoint rules (`ShardRecordProcessorCheckpointer`), as the daemon applies
 * them to a child's checkpoint requests: accepted between the last checkpoint and the
 * largest record delivered, `IllegalArgumentException` outside that range or for a
 * sequence number that is not one, `InvalidStateException` where no checkpointer exists
 * (no action under way, `initialize`, `leaseLost`); a checkpoint without a sequence
 * number means the largest record delivered. Written once, for the fake daemon and the
 * benchmark's daemon.
 */
import { comparePositions, isSequenceNumber, type Position } from '../protocol/sequence.js';

export interface CheckpointState {
  /** The action the daemon waits on, if any. */
  readonly currentAction: string | undefined;
  /** The last checkpoint the daemon accepted (or the initialize position). */
  readonly lastCheckpoint: Position | null;
  /** The largest record delivered so far. */
  readonly largestDelivered: Position | null;
}

/** What a checkpoint request carries that the rules look at. */
export interface CheckpointAsked {
  readonly sequenceNumber: string | null;
  readonly subSequenceNumber?: number | null;
}

const NO_CHECKPOINTER = new Set(['initialize', 'leaseLost']);

export class CheckpointRules {
  private current: string | undefined;
  private last: Position | null = null;
  private largest: Position | null = null;

  get state(): CheckpointState {
    return { currentAction: this.current, lastCheckpoint: this.last, largestDelivered: this.largest };
  }

  /**
   * The daemon sends an action: it is under way until its status. An `initialize` at a
   * sequence number starts from there; a `processRecords` delivers up to its last record.
   */
  sent(action: { readonly action: string; readonly [key: string]: unknown }): void {
    this.current = action.action;
    if (action.action === 'initialize' && typeof action.sequenceNumber === 'string' && isSequenceNumber(action.sequenceNumber)) {
      this.last = { sequenceNumber: action.sequenceNumber, subSequenceNumber: subSequence(action.subSequenceNumber) };
    }
    if (action.action === 'processRecords' && Array.isArray(action.records) && action.records.length > 0) {
      const lastRecord = action.records[action.records.length - 1] as { sequenceNumber?: unknown; subSequenceNumber?: unknown };
      if (typeof lastRecord.sequenceNumber === 'string') this.delivered({ sequenceNumber: lastRecord.sequenceNumber, subSequenceNumber: subSequence(lastRecord.subSequenceNumber) });
    }
  }

  /** A batch whose last record is `last` was delivered (for a daemon that sends batches already serialized). */
  delivered(last: Position): void {
    this.largest = last;
  }

  /** The status for the action under way came back. */
  answered(): void {
    this.current = undefined;
  }

  /** What the KCL answers: `null` (accepted) or its error code. Changes nothing. */
  judge(request: CheckpointAsked): string | null {
    if (this.current === undefined || NO_CHECKPOINTER.has(this.current)) return 'InvalidStateException';
    if (request.sequenceNumber === null) return null;
    if (!isSequenceNumber(request.sequenceNumber)) return 'IllegalArgumentException';
    const target = { sequenceNumber: request.sequenceNumber, subSequenceNumber: request.subSequenceNumber ?? 0 };
    if (this.last !== null && comparePositions(target, this.last) < 0) return 'IllegalArgumentException';
    if (this.largest === null || comparePositions(target, this.largest) > 0) return 'IllegalArgumentException';
    return null;
  }

  /** The daemon accepted the request (by these rules or otherwise): the last checkpoint moves there. */
  accept(request: CheckpointAsked): void {
    if (request.sequenceNumber === null) this.last = this.largest;
    else if (isSequenceNumber(request.sequenceNumber)) this.last = { sequenceNumber: request.sequenceNumber, subSequenceNumber: request.subSequenceNumber ?? 0 };
  }
}

function subSequence(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
