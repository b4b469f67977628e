/**
 * Kinesis sequence numbers are decimal strings of up to 128 bits: they do not fit a JS
 * number, so they are compared as BigInt, then by sub-sequence number (KPL aggregation
 * puts several user records under one sequence number).
 */
export interface Position {
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
}

const DECIMAL = /^[0-9]+$/;

export function isSequenceNumber(value: string): boolean {
  return DECIMAL.test(value);
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function comparePositions(a: Position, b: Position): number {
  const x = BigInt(a.sequenceNumber);
  const y = BigInt(b.sequenceNumber);
  if (x !== y) return x < y ? -1 : 1;
  return a.subSequenceNumber - b.subSequenceNumber;
}

export function formatPosition(p: Position): string {
  return p.subSequenceNumber === 0 ? p.sequenceNumber : `${p.sequenceNumber}/${p.subSequenceNumber}`;
}
