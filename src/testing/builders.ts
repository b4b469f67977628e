/** Builders for daemon messages in tests, shaped like the real daemon's. */
export interface RecordSpec {
  readonly data?: string | Buffer | object;
  readonly partitionKey?: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  readonly approximateArrivalTimestamp?: number | null;
}

export interface WireRecordOut {
  data: string;
  partitionKey: string;
  sequenceNumber: string;
  approximateArrivalTimestamp: number | null;
  subSequenceNumber: number;
  action: 'record';
}

export function makeRecord(spec: RecordSpec): WireRecordOut {
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
export const SEQUENCE_BASE = 49_680_505_993_805_844_606_337_336_502_500_757_501_366_790_287_444_148_226n;

/** `count` records with increasing real-looking sequence numbers, starting at `first`. */
export function makeBatch(count: number, first = 0, data: (i: number) => string | object = (i) => ({ i })): { action: 'processRecords'; records: WireRecordOut[]; millisBehindLatest: number } {
  const records: WireRecordOut[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    records.push(makeRecord({ data: data(n), partitionKey: `pk-${n}`, sequenceNumber: (SEQUENCE_BASE + BigInt(n) * 1_000_000n).toString() }));
  }
  return { action: 'processRecords', records, millisBehindLatest: 0 };
}
