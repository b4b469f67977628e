/**
 * The stand-ins alone: kinesis-local and DynamoDB Local start on free loopback ports,
 * answer the SDK, hold what was put, and leave no process behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbJarDir } from '../harness/artifacts.js';
import { createLeaseTable, readLeases, startDynamoDbLocal, type DynamoDbLocal } from '../harness/dynamodb.js';
import {
  listOpenShards,
  listShards,
  putRecords,
  readAllRecords,
  splitShard,
  startKinesisLocal,
  type KinesisLocal,
} from '../harness/kinesis.js';
import { isListening } from '../harness/ports.js';
import { managedProcesses, stopAll } from '../harness/processes.js';

describe('stand-ins', () => {
  let kinesis: KinesisLocal;
  let dynamo: DynamoDbLocal;

  beforeAll(async () => {
    const jarDir = await dynamoDbJarDir();
    [kinesis, dynamo] = await Promise.all([
      startKinesisLocal({ streams: [{ name: 'smoke', shards: 2 }] }),
      startDynamoDbLocal({ jarDir }),
    ]);
  });

  afterAll(async () => {
    await stopAll();
  });

  it('kinesis-local stores what is put, in order per shard', async () => {
    const shards = await listShards(kinesis.client, 'smoke');
    expect(shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const records = Array.from({ length: 1200 }, (_, i) => ({ data: `r-${i}`, partitionKey: `pk-${i}` }));
    const put = await putRecords(kinesis.client, 'smoke', records);
    expect(put.records).toHaveLength(1200);
    expect([...put.byShard.values()].reduce((n, l) => n + l.length, 0)).toBe(1200);
    const stored = await readAllRecords(kinesis.client, 'smoke');
    // no duplicates (the HTTP/2 failure mode) and nothing missing
    expect(stored.map((r) => r.data).sort()).toEqual(records.map((r) => r.data).sort());
    for (const [shardId, seqs] of put.byShard) {
      expect(stored.filter((r) => r.shardId === shardId).map((r) => r.sequenceNumber)).toEqual(seqs);
    }
  });

  it('kinesis-local splits a shard', async () => {
    const children = await splitShard(kinesis.client, 'smoke', 'shardId-000000000000');
    expect(children).toHaveLength(2);
    const open = await listOpenShards(kinesis.client, 'smoke');
    expect(open.map((s) => s.ShardId).sort()).toEqual(
      ['shardId-000000000001', ...children.map((c) => c.ShardId!)].sort(),
    );
  });

  it('DynamoDB Local holds a pre-created lease table', async () => {
    const shards = await listShards(kinesis.client, 'smoke');
    await createLeaseTable(dynamo.client, 'smoke-app', shards);
    const leases = await readLeases(dynamo.client, 'smoke-app');
    expect(leases.map((l) => l.leaseKey)).toEqual(shards.map((s) => s.ShardId).sort());
    for (const lease of leases) {
      expect(lease.checkpoint).toBe('TRIM_HORIZON');
      expect(lease.checkpointSubSequenceNumber).toBe(0);
      expect(lease.leaseOwner).toBeUndefined();
    }
    const child = leases.find((l) => l.parentShardIds?.includes('shardId-000000000000'));
    expect(child).toBeDefined();
    expect(await readLeases(dynamo.client, 'no-such-app')).toEqual([]);
  });

  it('stop() leaves nothing running', async () => {
    const procs = managedProcesses();
    expect(procs.length).toBeGreaterThanOrEqual(2);
    await kinesis.stop();
    await dynamo.stop();
    for (const p of procs) expect(p.groupAlive()).toBe(false);
    expect(await isListening(kinesis.port)).toBe(false);
    expect(await isListening(dynamo.port)).toBe(false);
  });
});
