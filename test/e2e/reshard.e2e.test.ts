/**
 * Scenario 3: resharding while consuming. The parent's child gets `shardEnded` and the
 * lease is checkpointed at SHARD_END; the two new shards are processed after the parent
 * is done, from TRIM_HORIZON; nothing is lost and nothing is delivered twice.
 */
import { describe, expect, it } from 'vitest';
import { consumedRecords, duplicates, missing, orderViolations, placementErrors, summarize } from '../harness/consumed.js';
import { waitForLeases } from '../harness/dynamodb.js';
import { splitShard } from '../harness/kinesis.js';
import { useScenario, waitWhileRunning } from '../harness/scenario.js';

const STREAM = 'clicks';
const APP = 'reshard-app';
const PARENT = 'shardId-000000000000';

describe('resharding', () => {
  const s = useScenario({ streams: [{ name: STREAM, shards: 2, app: APP }] });

  it('split a shard while consuming: shardEnded + SHARD_END, children after, nothing lost', async () => {
    const batch = (from: number) =>
      Array.from({ length: 1000 }, (_, i) => ({ data: `c-${from + i}`, partitionKey: `p-${from + i}` }));
    const before = await s.put(batch(0));
    const daemon = s.daemon('r', {
      name: 'daemon',
      properties: { maxRecords: 100 },
      env: { E2E_CHECKPOINT_EVERY: '100', E2E_DELAY_MS: '100' },
    });
    await s.waitForConsumed(daemon, 200, { what: 'consumption under way', timeoutMs: 90_000, intervalMs: 100 });

    const children = await splitShard(s.standIns.kinesis.client, STREAM, PARENT);
    const childIds = children.map((c) => c.ShardId!).sort();
    const after = await s.put(batch(1000));
    // the new records went to the children and the untouched shard
    expect([...after.byShard.keys()].filter((shard) => shard === PARENT)).toEqual([]);

    const everything = [...before.records, ...after.records];
    await waitWhileRunning(daemon.process, 'every record consumed', () => missing(everything, s.events()).length === 0, 120_000, 250);
    const leases = await waitForLeases(
      s.standIns.dynamo.client,
      APP,
      'parent at SHARD_END',
      (rows) => rows.find((r) => r.leaseKey === PARENT)?.checkpoint === 'SHARD_END' || rows.every((r) => r.leaseKey !== PARENT),
      30_000,
    );
    await daemon.stopGracefully();
    const events = s.events();
    console.log(summarize(events));

    // the parent's child: shardEnded, then exit 0
    const parentEvents = events.filter((e) => e.shard === PARENT);
    expect(parentEvents.filter((e) => e.ev === 'shardEnded')).toHaveLength(1);
    const parentLease = leases.find((r) => r.leaseKey === PARENT);
    // KCL may delete a finished parent's lease later (LeaseCleanupManager); if it is still there, it is at SHARD_END
    if (parentLease) expect(parentLease.checkpoint).toBe('SHARD_END');

    // the children: leases with the parent, processed from TRIM_HORIZON, after the parent ended
    const leaseMap = await s.leases();
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
