/**
 * How far a lease's checkpoint is behind its shard's newest record: Kinesis has no call
 * for "the newest sequence number", so the records after the checkpoint are read and
 * counted, up to a cap (on AWS each read costs; a status is not a consumer), and the
 * first read's MillisBehindLatest gives the same in time.
 */
import type { KinesisHandle } from './clients.js';
import { streamParam } from './stream.js';

export interface Behind {
  /** Records after the checkpoint (at least this many when `capped`: the count stopped before the tip). */
  records: number;
  capped: boolean;
  /** Kinesis's own figure: how far the checkpoint's position is behind the shard's tip, in ms. */
  millisBehindLatest: number | null;
}

export const DEFAULT_BEHIND_CAP = 10_000;
/** Reads per shard at most: Kinesis allows 5 GetRecords per second per shard. */
const MAX_READS = 10;

/**
 * Records after `checkpoint` on the shard; undefined when the checkpoint says nothing
 * about a position (LATEST, AT_TIMESTAMP, none).
 */
export async function behindCheckpoint(
  k: KinesisHandle,
  stream: string,
  shardId: string,
  checkpoint: string | undefined,
  cap: number = DEFAULT_BEHIND_CAP,
): Promise<Behind | undefined> {
  if (checkpoint === 'SHARD_END') return { records: 0, capped: false, millisBehindLatest: 0 };
  let start: { ShardIteratorType: 'TRIM_HORIZON' } | { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER'; StartingSequenceNumber: string };
  if (checkpoint === 'TRIM_HORIZON') start = { ShardIteratorType: 'TRIM_HORIZON' };
  else if (checkpoint !== undefined && /^\d+$/.test(checkpoint)) start = { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint };
  else return undefined;
  const first = await k.client.send(new k.sdk.GetShardIteratorCommand({ ...streamParam(stream), ShardId: shardId, ...start }));
  let iterator = first.ShardIterator;
  let records = 0;
  let millisBehindLatest: number | null = null;
  for (let read = 0; iterator && read < MAX_READS && records < cap; read++) {
    const out = await k.client.send(new k.sdk.GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, cap - records) }));
    const n = out.Records?.length ?? 0;
    records += n;
    if (millisBehindLatest === null) millisBehindLatest = out.MillisBehindLatest ?? null;
    // At the tip: nothing more to read now (a closed shard ends with no next iterator).
    if (n === 0 && (out.MillisBehindLatest ?? 0) === 0) return { records, capped: false, millisBehindLatest };
    iterator = out.NextShardIterator;
  }
  // Out of reads or at the cap before the tip: more records than counted.
  return { records, capped: Boolean(iterator), millisBehindLatest };
}
