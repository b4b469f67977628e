/**
 * The record class is `LazyRecord` now; `Record`, its old name (which shadowed
 * TypeScript's `Record<K, V>` in every module that imported it), stays exported as a
 * deprecated alias, so code written against it still compiles and runs.
 */
import { describe, expect, it } from 'vitest';
import { LazyRecord, Record, type KinesisRecord } from '../../src/index.js';

describe('LazyRecord and its deprecated alias Record', () => {
  const wire = { data: Buffer.from('{"n":1}').toString('base64'), partitionKey: 'p', sequenceNumber: '49680505993805844606337336502500757501366790287444140001', subSequenceNumber: 0 };

  it('are one class: constructed by either name, an instance of both', () => {
    expect(Record).toBe(LazyRecord);
    const old: Record = new Record(wire);
    const current: KinesisRecord<{ n: number }> = new LazyRecord<{ n: number }>(wire);
    expect(old).toBeInstanceOf(LazyRecord);
    expect(current).toBeInstanceOf(Record);
    expect(old.json()).toEqual({ n: 1 });
    expect(current.value.n).toBe(1);
  });
});
