/**
 * Kinesis stand-in: npm `kinesis-local` (kinesis-mock compiled to JS), plain HTTP on a
 * free loopback port, plus typed helpers for the AWS SDK v3 client.
 *
 * Notes (see /work/shared/PROTOCOL.md):
 * - `KINESIS_MOCK_CERT_PATH` must point at the package's `server.json` even for HTTP.
 * - The SDK client must use HTTP/1.1 (`NodeHttpHandler`): over HTTP/2 `PutRecords`
 *   fails with ERR_HTTP2_ERROR although the records are stored (→ duplicates).
 * - kinesis-local binds 0.0.0.0 with no option to change it; we preload
 *   `loopback-listen.cjs`, which makes a host-less `listen()` bind 127.0.0.1.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type PutRecordsRequestEntry,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort } from './ports.js';
import { spawnManaged, sleep, waitFor, type ManagedProcess } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Credentials the harness uses everywhere (stand-ins accept anything). */
export const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const REGION = 'us-east-1';

export interface StreamSpec {
  name: string;
  shards: number;
}

export interface KinesisLocalOptions {
  /** Plain-HTTP port (default: a free one). */
  port?: number;
  /** Streams to create (and wait ACTIVE) once the server answers. */
  streams?: StreamSpec[];
  /** Keep data across restarts: directory for `PERSIST_PATH` (sets `SHOULD_PERSIST_DATA`). */
  persistDir?: string;
  /** `LOG_LEVEL` of kinesis-mock (default WARN). */
  logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
  /** Append the server's output here. */
  logFile?: string;
  /** Echo the server's output to stderr. */
  echo?: boolean;
  /** Extra environment (e.g. SPLIT_SHARD_DURATION). */
  env?: Record<string, string>;
  /** Start-up deadline (default 60 s). */
  startTimeoutMs?: number;
}

export interface KinesisLocal {
  endpoint: string;
  port: number;
  client: KinesisClient;
  process: ManagedProcess;
  stop(): Promise<void>;
}

function packageDir(): string {
  return path.dirname(require.resolve('kinesis-local/package.json'));
}

/** A Kinesis client for a local endpoint: HTTP/1.1, dummy credentials, us-east-1. */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: REGION,
    credentials: { ...DUMMY_CREDENTIALS },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    maxAttempts: 5,
  });
}

export async function startKinesisLocal(options: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  const port = options.port ?? (await freePort());
  const tlsPort = await freePort();
  const dir = packageDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    LOG_LEVEL: options.logLevel ?? 'WARN',
    ...(options.persistDir
      ? { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: options.persistDir }
      : { SHOULD_PERSIST_DATA: 'false', LOAD_DATA_IF_EXISTS: 'false' }),
    ...options.env,
  };
  const proc = spawnManaged(
    `kinesis-local:${port}`,
    process.execPath,
    ['--require', path.join(here, 'loopback-listen.cjs'), path.join(dir, 'main.js')],
    { env, logFile: options.logFile, echo: options.echo, cwd: options.persistDir ?? dir },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = kinesisClient(endpoint);
  // kinesis-local waits for open keep-alive connections before it exits on SIGTERM
  proc.beforeStop(() => client.destroy());
  proc.defaultStopTimeoutMs = 3000;
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  try {
    await Promise.race([
      waitFor(
        `kinesis-local on ${endpoint}`,
        async () => {
          await client.send(new ListStreamsCommand({}));
          return true;
        },
        options.startTimeoutMs ?? 60_000,
        100,
      ),
      proc.exited.then((info) => {
        throw new Error(`kinesis-local exited during start-up (${JSON.stringify(info)}):\n${proc.tail(30)}`);
      }),
    ]);
    for (const stream of options.streams ?? []) await createStream(client, stream.name, stream.shards);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, client, process: proc, stop };
}

/** Create a stream (if it does not exist) and wait until it is ACTIVE. */
export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
  }
  await waitForStreamActive(client, name);
}

export async function waitForStreamActive(client: KinesisClient, name: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `stream ${name} ACTIVE`,
    async () => {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
    },
    timeoutMs,
    100,
  );
}

/** Every shard of the stream (open and closed), in the order Kinesis lists them. */
export async function listShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(
      nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: streamName }),
    );
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return shards;
}

/** Shards without an ending sequence number. */
export async function listOpenShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  return (await listShards(client, streamName)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
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
  /** The payload as UTF-8 text (what the helper put). */
  data: string;
}

export interface PutRecordsResult {
  /** One entry per input record, in input order. */
  records: PutResult[];
  /** Sequence numbers per shard, in put order (= Kinesis order within a shard). */
  byShard: Map<string, string[]>;
}

/**
 * Put records in batches of `batchSize` (max 500), retrying failed entries in order.
 * Batches are sent one after another so that per-shard order equals input order.
 */
export async function putRecords(
  client: KinesisClient,
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
    let pending = records.slice(start, start + batchSize).map((r, i) => ({ index: start + i, record: r }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxRetries) throw new Error(`putRecords: ${pending.length} records still failing after ${maxRetries} retries`);
      if (attempt > 0) await sleep(Math.min(100 * 2 ** attempt, 2000));
      const entries: PutRecordsRequestEntry[] = pending.map(({ record }) => ({
        Data: typeof record.data === 'string' ? encoder.encode(record.data) : record.data,
        PartitionKey: record.partitionKey,
        ...(record.explicitHashKey ? { ExplicitHashKey: record.explicitHashKey } : {}),
      }));
      const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
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
      // A failure in the middle of a batch would reorder that shard's records on retry;
      // keeping tests honest: report the order Kinesis actually assigned (by sequence number).
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

/** Compare decimal sequence-number strings numerically. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
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
export async function splitShard(
  client: KinesisClient,
  streamName: string,
  shardId: string,
  newStartingHashKey?: string,
): Promise<Shard[]> {
  const shards = await listShards(client, streamName);
  const parent = shards.find((s) => s.ShardId === shardId);
  if (!parent) throw new Error(`splitShard: no shard ${shardId} in ${streamName}`);
  const lo = BigInt(parent.HashKeyRange?.StartingHashKey ?? '0');
  const hi = BigInt(parent.HashKeyRange?.EndingHashKey ?? '0');
  const at = newStartingHashKey ?? ((lo + hi + 1n) / 2n).toString();
  await client.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: shardId, NewStartingHashKey: at }));
  await waitForStreamActive(client, streamName);
  return waitFor(
    `children of ${shardId}`,
    async () => {
      const children = (await listShards(client, streamName)).filter((s) => s.ParentShardId === shardId);
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

/** Read every record of every shard from TRIM_HORIZON (to check what the stand-in holds). */
export async function readAllRecords(client: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const decoder = new TextDecoder();
  const all: StoredRecord[] = [];
  for (const shard of await listShards(client, streamName)) {
    const shardId = shard.ShardId!;
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    let emptyReads = 0;
    while (iterator && emptyReads < 2) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = out.Records ?? [];
      for (const r of records) {
        all.push({
          shardId,
          sequenceNumber: r.SequenceNumber!,
          partitionKey: r.PartitionKey!,
          data: decoder.decode(r.Data),
        });
      }
      emptyReads = records.length === 0 ? emptyReads + 1 : 0;
      if (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return all;
}

export interface Producer {
  /** Records put so far (in put order). */
  produced(): readonly PutResult[];
  /** Stop producing; resolves with everything put. */
  stop(): Promise<PutResult[]>;
}

/**
 * Put `batchSize` records every `intervalMs` until stopped (payloads `<prefix><n>`),
 * so consumers have work for as long as a scenario needs.
 */
export function startProducer(
  client: KinesisClient,
  streamName: string,
  options: { prefix?: string; batchSize?: number; intervalMs?: number; onError?: (err: unknown) => void } = {},
): Producer {
  const prefix = options.prefix ?? 'live-';
  const batchSize = options.batchSize ?? 25;
  const intervalMs = options.intervalMs ?? 200;
  const results: PutResult[] = [];
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const batch = Array.from({ length: batchSize }, () => {
        const i = n++;
        return { data: `${prefix}${i}`, partitionKey: `${prefix}pk-${i}` };
      });
      try {
        results.push(...(await putRecords(client, streamName, batch)).records);
      } catch (err) {
        options.onError?.(err);
      }
      await sleep(intervalMs);
    }
  })();
  return {
    produced: () => results,
    async stop() {
      stopped = true;
      await loop;
      return results;
    },
  };
}
