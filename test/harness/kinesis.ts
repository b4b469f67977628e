/**
 * The Kinesis stand-in for the tests: src/local/ (what `kcl-ts dev` runs) with this
 * repository's SDK and the harness's process registry, under the names the tests use
 * (each helper takes a bare KinesisClient).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as KinesisSdk from '@aws-sdk/client-kinesis';
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import * as HttpSdk from '@smithy/node-http-handler';
import { kinesisHandle, LOCAL_CREDENTIALS, LOCAL_REGION, localTarget, type KinesisHandle } from '../../src/local/clients.js';
import * as local from '../../src/local/kinesis-local.js';
import type { Spawner } from '../../src/local/process.js';
import * as stream from '../../src/local/stream.js';
import type { PutRecordsResult, PutResult, RecordToPut, StoredRecord } from '../../src/local/stream.js';
import { sleep, spawnManaged, type ManagedProcess } from './processes.js';

export { compareSequenceNumbers, hashKeyInShard } from '../../src/local/stream.js';
export type { PutRecordsResult, PutResult, RecordToPut, StoredRecord } from '../../src/local/stream.js';
export type { StreamSpec } from '../../src/local/kinesis-local.js';

/** Credentials the harness uses everywhere (stand-ins accept anything). */
export const DUMMY_CREDENTIALS = LOCAL_CREDENTIALS;
export const REGION = LOCAL_REGION;

/** The stand-ins' processes go into the harness's registry (stopAll, killAllSync, watchdogs). */
export const harnessSpawner: Spawner<ManagedProcess> = (name, command, args, options) => {
  const proc = spawnManaged(name, command, args, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.logFile !== undefined ? { logFile: options.logFile } : {}),
    ...(options.echo !== undefined ? { echo: options.echo } : {}),
  });
  if (options.stopTimeoutMs !== undefined) proc.defaultStopTimeoutMs = options.stopTimeoutMs;
  return proc;
};

export type KinesisLocalOptions = Omit<local.KinesisLocalOptions<ManagedProcess>, 'sdk' | 'http' | 'main' | 'spawn'>;
export type KinesisLocal = local.KinesisLocal<ManagedProcess>;

const handle = (client: KinesisClient): KinesisHandle => ({ sdk: KinesisSdk, client });

/** A Kinesis client for a local endpoint: HTTP/1.1, dummy credentials, us-east-1. */
export function kinesisClient(endpoint: string): KinesisClient {
  return kinesisHandle(KinesisSdk, HttpSdk, localTarget(endpoint)).client;
}

export function startKinesisLocal(options: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  const main = path.join(path.dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json')), 'main.js');
  return local.startKinesisLocal({ ...options, sdk: KinesisSdk, http: HttpSdk, main, spawn: harnessSpawner });
}

export const createStream = (client: KinesisClient, name: string, shards: number): Promise<void> => stream.createStream(handle(client), name, shards);
export const waitForStreamActive = (client: KinesisClient, name: string, timeoutMs?: number): Promise<void> =>
  stream.waitForStreamActive(handle(client), name, timeoutMs);
export const listShards = (client: KinesisClient, name: string): Promise<Shard[]> => stream.listShards(handle(client), name);
export const listOpenShards = (client: KinesisClient, name: string): Promise<Shard[]> => stream.listOpenShards(handle(client), name);
export const putRecords = (
  client: KinesisClient,
  name: string,
  records: readonly RecordToPut[],
  options?: { batchSize?: number; maxRetries?: number },
): Promise<PutRecordsResult> => stream.putRecords(handle(client), name, records, options);
export const splitShard = (client: KinesisClient, name: string, shardId: string, newStartingHashKey?: string): Promise<Shard[]> =>
  stream.splitShard(handle(client), name, shardId, newStartingHashKey);
export const readAllRecords = (client: KinesisClient, name: string): Promise<StoredRecord[]> => stream.readAllRecords(handle(client), name);

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
