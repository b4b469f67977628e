/** Builders for daemon messages in tests, shaped like the real daemon's. */
import type { RECORD_FIELDS } from '../protocol/fields.js';
import type { WireRecord } from '../protocol/types.js';

export interface RecordSpec {
  readonly data?: string | Buffer | object;
  readonly partitionKey?: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  readonly approximateArrivalTimestamp?: number | null;
}

/**
 * A record as the daemon writes it: every key of the field table, none omitted (nulls
 * are written), and a sub-sequence number always (0 when not aggregated).
 */
type DaemonRecord = { -readonly [K in keyof typeof RECORD_FIELDS]-?: Exclude<WireRecord[K], undefined> } & { subSequenceNumber: number };

/** The record in the daemon's key order (the table's). */
export function makeRecord(spec: RecordSpec): DaemonRecord {
  const raw = spec.data ?? '';
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
  return {
    data: bytes.toString('base64'),
    partitionKey: spec.partitionKey ?? 'pk',
    sequenceNumber: spec.sequenceNumber,
    approximateArrivalTimestamp: spec.approximateArrivalTimestamp === undefined ? 1_700_000_000_000 : spec.approximateArrivalTimestamp,
    subSequenceNumber: spec.subSequenceNumber ?? 0,
    action: 'record',
  };
}

/** A 56-digit base like real shard sequence numbers, plus an offset. */
const SEQUENCE_BASE = 49_680_505_993_805_844_606_337_336_502_500_757_501_366_790_287_444_148_226n;

/** `count` records with increasing real-looking sequence numbers, starting at `first`. */
export function makeBatch(count: number, first = 0, data: (i: number) => string | object = (i) => ({ i })): { action: 'processRecords'; records: DaemonRecord[]; millisBehindLatest: number } {
  const records: DaemonRecord[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    records.push(makeRecord({ data: data(n), partitionKey: `pk-${n}`, sequenceNumber: (SEQUENCE_BASE + BigInt(n) * 1_000_000n).toString() }));
  }
  return { action: 'processRecords', records, millisBehindLatest: 0 };
}
