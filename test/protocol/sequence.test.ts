import { describe, expect, it } from 'vitest';
import { comparePositions, isSequenceNumber } from '../../src/protocol/sequence.js';

const p = (sequenceNumber: string, subSequenceNumber = 0) => ({ sequenceNumber, subSequenceNumber });

describe('comparePositions', () => {
  it('compares 56-digit sequence numbers exactly, where JS numbers cannot', () => {
    const a = '49680505993805844606337336502500757501366790287444148226';
    const b = '49680505993805844606337336502500757501366790287444148227';
    expect(Number(a)).toBe(Number(b)); // why BigInt: as numbers they are equal
    expect(comparePositions(p(a), p(b))).toBeLessThan(0);
    expect(comparePositions(p(b), p(a))).toBeGreaterThan(0);
    expect(comparePositions(p(a), p(a))).toBe(0);
  });

  it('orders by sub-sequence number within one sequence number (KPL aggregation)', () => {
    expect(comparePositions(p('5', 1), p('5', 2))).toBeLessThan(0);
    expect(comparePositions(p('5', 9), p('6', 0))).toBeLessThan(0);
  });

  it('compares by value, not by length or text', () => {
    expect(comparePositions(p('9'), p('10'))).toBeLessThan(0);
    expect(comparePositions(p('0010'), p('9'))).toBeGreaterThan(0);
    expect(comparePositions(p('340282366920938463463374607431768211455'), p('340282366920938463463374607431768211454'))).toBeGreaterThan(0);
  });

  it('recognises decimal sequence numbers, not sentinels', () => {
    expect(isSequenceNumber('123')).toBe(true);
    for (const s of ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END', '', '-1', '1e5', ' 1']) expect(isSequenceNumber(s)).toBe(false);
  });
});
