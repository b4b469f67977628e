/**
 * Scenario 3: resharding while consuming. The parent's child gets `shardEnded` and the
 * lease is checkpointed at SHARD_END; the two new shards are processed after the parent
 * is done, from TRIM_HORIZON; nothing is lost and nothing is delivered twice.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumedRecords,
  duplicates,
  missing,
  orderViolations,
  placementErrors,
  readEvents,
  summarize,
} from '../harness/consumed.js';
import { readLeaseMap, waitForLeases } from '../harness/dynamodb.js';
import { scenarioDaemon, type StandIns, startKclDaemon, startStandIns } from '../harness/kcl.js';
import { putRecords, splitShard } from '../harness/kinesis.js';
import { stopAll, waitFor } from '../harness/processes.js';

const STREAM = 'clicks';
const APP = 'reshard-app';
const PARENT = 'shardId-000000000000';

describe('resharding', () => {
  let env: StandIns;
  let output: string;

  beforeAll(async () => {
    env = await startStandIns({
      streams: [{ name: STREAM, shards: 2 }],
      leaseTables: [{ applicationName: APP, streamName: STREAM }],
    });
    output = path.join(env.workDir, 'consumed.jsonl');
  });

  afterAll(async () => {
    await stopAll();
  });

  it('split a shard while consuming: shardEnded + SHARD_END, children after, nothing lost', async () => {
    const batch = (from: number) =>
      Array.from({ length: 1000 }, (_, i) => ({ data: `c-${from + i}`, partitionKey: `p-${from + i}` }));
    const before = await putRecords(env.kinesis.client, STREAM, batch(0));
    const daemon = startKclDaemon(scenarioDaemon(env, {
      name: 'daemon',
      streamName: STREAM,
      applicationName: APP,
      processor: 'test/e2e/processors/recording.ts',
      properties: {
        maxRecords: 100,
      },
      env: { E2E_OUTPUT: output, E2E_RUN: 'r', E2E_CHECKPOINT_EVERY: '100', E2E_DELAY_MS: '100' },
    }));
    const alive = () => {
      if (!daemon.process.running) throw new Error(`daemon exited: ${daemon.process.tail(30)}`);
    };
    await waitFor('consumption under way', () => (alive(), consumedRecords(readEvents(output)).length >= 200), 90_000, 100);

    const children = await splitShard(env.kinesis.client, STREAM, PARENT);
    const childIds = children.map((c) => c.ShardId!).sort();
    const after = await putRecords(env.kinesis.client, STREAM, batch(1000));
    // the new records went to the children and the untouched shard
    expect([...after.byShard.keys()].filter((s) => s === PARENT)).toEqual([]);

    const everything = [...before.records, ...after.records];
    await waitFor(
      'every record consumed',
      () => (alive(), missing(everything, readEvents(output)).length === 0),
      120_000,
      250,
    );
    const leases = await waitForLeases(
      env.dynamo.client,
      APP,
      'parent at SHARD_END',
      (rows) => rows.find((r) => r.leaseKey === PARENT)?.checkpoint === 'SHARD_END' || rows.every((r) => r.leaseKey !== PARENT),
      30_000,
    );
    await daemon.stopGracefully();
    const events = readEvents(output);
    console.log(summarize(events));

    // the parent's child: shardEnded, then exit 0
    const parentEvents = events.filter((e) => e.shard === PARENT);
    expect(parentEvents.filter((e) => e.ev === 'shardEnded')).toHaveLength(1);
    const parentLease = leases.find((r) => r.leaseKey === PARENT);
    // KCL may delete a finished parent's lease later (LeaseCleanupManager); if it is still there, it is at SHARD_END
    if (parentLease) expect(parentLease.checkpoint).toBe('SHARD_END');

    // the children: leases with the parent, processed from TRIM_HORIZON, after the parent ended
    const leaseMap = await readLeaseMap(env.dynamo.client, APP);
    for (const id of childIds) {
      expect(leaseMap.get(id)?.parentShardIds).toContain(PARENT);
      const init = events.find((e) => e.ev === 'initialize' && e.shard === id);
      expect(init?.seq, id).toBe('TRIM_HORIZON');
    }
    const order = events.map((e) => `${e.ev}:${e.shard}`);
    const parentEnd = order.indexOf(`shardEnded:${PARENT}`);
    for (const id of childIds) {
      const firstChildRecord = order.indexOf(`record:${id}`);
      expect(firstChildRecord, `${id} has records`).toBeGreaterThan(-1);
      expect(firstChildRecord, `${id} starts after the parent ended`).toBeGreaterThan(parentEnd);
    }

    expect(duplicates(events)).toEqual([]);
    expect(orderViolations(events)).toEqual([]);
    expect(placementErrors(everything, events)).toEqual([]);
    expect(consumedRecords(events)).toHaveLength(2000);
  });
});
