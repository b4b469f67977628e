/**
 * The KCL's checkpoint rules, written once for the fake daemon and the benchmark's daemon:
 * what each request is answered, and how the answer moves the last checkpoint.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointRules } from '../../src/testing/index.js';

const seq = (n: number) => `4968050599380584460633733650250075750136679028744414${String(n).padStart(4, '0')}`;
const at = (n: number, sub: number | null = 0) => ({ sequenceNumber: seq(n), subSequenceNumber: sub });

function batch(from: number, to: number) {
  const records = [];
  for (let n = from; n <= to; n++) records.push({ sequenceNumber: seq(n), subSequenceNumber: 0, data: '', partitionKey: 'p' });
  return { action: 'processRecords', records };
}

describe('CheckpointRules', () => {
  it('no checkpointer outside an action, during initialize and during leaseLost', () => {
    const rules = new CheckpointRules();
    expect(rules.judge(at(1))).toBe('InvalidStateException');
    rules.sent({ action: 'initialize', shardId: 's', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    expect(rules.judge({ sequenceNumber: null })).toBe('InvalidStateException');
    rules.answered();
    rules.sent({ action: 'leaseLost' });
    expect(rules.judge({ sequenceNumber: null })).toBe('InvalidStateException');
  });

  it('accepted between the last checkpoint and the largest record delivered, nowhere else', () => {
    const rules = new CheckpointRules();
    rules.sent({ action: 'initialize', shardId: 's', sequenceNumber: seq(10), subSequenceNumber: 2 });
    expect(rules.state.lastCheckpoint).toEqual({ sequenceNumber: seq(10), subSequenceNumber: 2 });
    rules.answered();
    rules.sent(batch(11, 20));
    expect(rules.state).toEqual({ currentAction: 'processRecords', lastCheckpoint: at(10, 2), largestDelivered: at(20) });
    expect(rules.judge(at(10, 1))).toBe('IllegalArgumentException'); // before the last checkpoint
    expect(rules.judge(at(10, 2))).toBeNull(); // the last checkpoint itself
    expect(rules.judge(at(15))).toBeNull();
    expect(rules.judge(at(20))).toBeNull();
    expect(rules.judge(at(20, 1))).toBe('IllegalArgumentException'); // past the largest delivered
    expect(rules.judge({ sequenceNumber: 'LATEST', subSequenceNumber: null })).toBe('IllegalArgumentException');
    expect(rules.state.lastCheckpoint, 'judging changes nothing').toEqual(at(10, 2));

    rules.accept(at(15));
    expect(rules.judge(at(14))).toBe('IllegalArgumentException');
    expect(rules.judge(at(15, null))).toBeNull(); // a missing sub-sequence number is 0
    rules.accept({ sequenceNumber: null });
    expect(rules.state.lastCheckpoint, 'no sequence number: the largest delivered').toEqual(at(20));
  });

  it('a batch sent already serialized is delivered by its last record; sequence numbers compare as numbers', () => {
    const rules = new CheckpointRules();
    rules.sent({ action: 'processRecords' });
    expect(rules.judge(at(1))).toBe('IllegalArgumentException'); // nothing delivered yet
    rules.delivered({ sequenceNumber: '100', subSequenceNumber: 0 });
    expect(rules.judge({ sequenceNumber: '99', subSequenceNumber: 0 })).toBeNull(); // "99" > "100" as text, not as a number
    expect(rules.judge({ sequenceNumber: '101', subSequenceNumber: 0 })).toBe('IllegalArgumentException');
    rules.answered();
    expect(rules.state.currentAction).toBeUndefined();
  });
});
