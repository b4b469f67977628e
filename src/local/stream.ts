/**
 * A Kinesis stream through the SDK: create it, list its shards, put records in order,
 * split a shard, read it back. Against kinesis-local here, and AWS too (`kcl-ts status`).
 */
import type { PutRecordsRequestEntry, Shard } from '@aws-sdk/client-kinesis';
import { comparePositions } from '../protocol/sequence.js';
import type { KinesisHandle } from './clients.js';
import { sleep, waitFor } from './wait.js';

/** `{StreamName}` or, for an ARN, `{StreamARN}`: every call below takes either. */
export function streamParam(stream: string): { StreamName: string } | { StreamARN: string } {
  return stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
}

/** Compare decimal sequence-number strings numerically (they exceed a JS number). */
export function compareSequenceNumbers(a: string, b: string): number {
  return comparePositions({ sequenceNumber: a, subSequenceNumber: 0 }, { sequenceNumber: b, subSequenceNumber: 0 });
}

/** Create a stream (if it does not exist) and wait until it is ACTIVE. */
export async function createStream(k: KinesisHandle, name: string, shards: number): Promise<void> {
  try {
    await k.client.send(new k.sdk.CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
  }
  await waitForStreamActive(k, name);
}

export async function waitForStreamActive(k: KinesisHandle, stream: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `stream ${stream} ACTIVE`,
    async () => {
      const out = await k.client.send(new k.sdk.DescribeStreamSummaryCommand(streamParam(stream)));
      return out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
    },
    timeoutMs,
    100,
  );
}

/** Every shard of the stream (open and closed), in the order Kinesis lists them. */
export async function listShards(k: KinesisHandle, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const input = nextToken ? { NextToken: nextToken } : streamParam(stream);
    const out = await k.client.send(new k.sdk.ListShardsCommand(input));
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return shards;
}

/** Shards without an ending sequence number. */
export async function listOpenShards(k: KinesisHandle, stream: string): Promise<Shard[]> {
  return (await listShards(k, stream)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
}

export interface RecordToPut {
  data: string | Uint8Array;
  partitionKey: string;
  /** Route to a chosen shard: any hash key inside its range (see `hashKeyInShard`). */
  explicitHashKey?: string;
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The payload as UTF-8 text. */
  data: string;
}

export interface PutRecordsResult {
  /** One entry per input record, in input order. */
  records: PutResult[];
  /** Sequence numbers per shard, in Kinesis order. */
  byShard: Map<string, string[]>;
}

/**
 * Put records in batches of `batchSize` (max 500), retrying failed entries. Batches go
 * one after another, so each shard's order is the input order (but for retried entries,
 * which is why `byShard` is sorted by sequence number: the order Kinesis assigned).
 */
export async function putRecords(
  k: KinesisHandle,
  streamName: string,
  records: readonly RecordToPut[],
  options: { batchSize?: number; maxRetries?: number } = {},
): Promise<PutRecordsResult> {
  const batchSize = Math.min(options.batchSize ?? 500, 500);
  const maxRetries = options.maxRetries ?? 10;
  const results: PutResult[] = new Array(records.length);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for (let start = 0; start < records.length; start += batchSize) {
    let pending = records.slice(start, start + batchSize).map((record, i) => ({ index: start + i, record }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxRetries) throw new Error(`putRecords: ${pending.length} records still failing after ${maxRetries} retries`);
      if (attempt > 0) await sleep(Math.min(100 * 2 ** attempt, 2000));
      const entries: PutRecordsRequestEntry[] = pending.map(({ record }) => ({
        Data: typeof record.data === 'string' ? encoder.encode(record.data) : record.data,
        PartitionKey: record.partitionKey,
        ...(record.explicitHashKey ? { ExplicitHashKey: record.explicitHashKey } : {}),
      }));
      const out = await k.client.send(new k.sdk.PutRecordsCommand({ ...streamParam(streamName), Records: entries }));
      const failed: typeof pending = [];
      (out.Records ?? []).forEach((entry, i) => {
        const item = pending[i]!;
        if (entry.ErrorCode || !entry.SequenceNumber || !entry.ShardId) {
          failed.push(item);
          return;
        }
        const data = item.record.data;
        results[item.index] = {
          shardId: entry.ShardId,
          sequenceNumber: entry.SequenceNumber,
          partitionKey: item.record.partitionKey,
          data: typeof data === 'string' ? data : decoder.decode(data),
        };
      });
      pending = failed;
    }
  }
  const byShard = new Map<string, string[]>();
  for (const r of results) {
    const list = byShard.get(r.shardId) ?? [];
    list.push(r.sequenceNumber);
    byShard.set(r.shardId, list);
  }
  for (const list of byShard.values()) list.sort(compareSequenceNumbers);
  return { records: results, byShard };
}

/** A hash key in the middle of the shard's range (to route records with ExplicitHashKey). */
export function hashKeyInShard(shard: Shard): string {
  const lo = BigInt(shard.HashKeyRange?.StartingHashKey ?? '0');
  const hi = BigInt(shard.HashKeyRange?.EndingHashKey ?? '0');
  return ((lo + hi) / 2n).toString();
}

/**
 * Split a shard (default: at the middle of its hash-key range), wait until the stream is
 * ACTIVE again, and return the two child shards.
 */
export async function splitShard(k: KinesisHandle, streamName: string, shardId: string, newStartingHashKey?: string): Promise<Shard[]> {
  const parent = (await listShards(k, streamName)).find((s) => s.ShardId === shardId);
  if (!parent) throw new Error(`splitShard: no shard ${shardId} in ${streamName}`);
  const lo = BigInt(parent.HashKeyRange?.StartingHashKey ?? '0');
  const hi = BigInt(parent.HashKeyRange?.EndingHashKey ?? '0');
  const at = newStartingHashKey ?? ((lo + hi + 1n) / 2n).toString();
  await k.client.send(new k.sdk.SplitShardCommand({ StreamName: streamName, ShardToSplit: shardId, NewStartingHashKey: at }));
  await waitForStreamActive(k, streamName);
  return waitFor(
    `children of ${shardId}`,
    async () => {
      const children = (await listShards(k, streamName)).filter((s) => s.ParentShardId === shardId);
      return children.length === 2 ? children : undefined;
    },
    30_000,
    100,
  );
}

export interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: string;
}

/** Every record of every shard from TRIM_HORIZON (what the stand-in holds). */
export async function readAllRecords(k: KinesisHandle, streamName: string): Promise<StoredRecord[]> {
  const decoder = new TextDecoder();
  const all: StoredRecord[] = [];
  for (const shard of await listShards(k, streamName)) {
    const shardId = shard.ShardId!;
    const start = new k.sdk.GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' });
    let iterator = (await k.client.send(start)).ShardIterator;
    let emptyReads = 0;
    while (iterator && emptyReads < 2) {
      const out = await k.client.send(new k.sdk.GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = out.Records ?? [];
      for (const r of records) {
        all.push({ shardId, sequenceNumber: r.SequenceNumber!, partitionKey: r.PartitionKey!, data: decoder.decode(r.Data) });
      }
      emptyReads = records.length === 0 ? emptyReads + 1 : 0;
      if (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return all;
}
