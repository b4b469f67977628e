/**
 * Scenario 1: 4 shards, a few thousand records, the real daemon with our child.
 * Every record consumed once, in order within its shard; checkpoints stored in the lease
 * table; after a graceful stop, a restart resumes right after the checkpoint.
 */
import { describe, expect, it } from 'vitest';
import { consumedRecords, duplicates, lastConsumedPerShard, missing, orderViolations, placementErrors, summarize } from '../harness/consumed.js';
import type { PutResult } from '../harness/kinesis.js';
import { waitFor } from '../harness/processes.js';
import { useScenario } from '../harness/scenario.js';

function records(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    data: `r-${String(from + i).padStart(6, '0')}`,
    partitionKey: `pk-${(from + i) % 97}`,
  }));
}

describe('4 shards, one worker', () => {
  const s = useScenario({ streams: [{ name: 'orders', shards: 4, app: 'consume-app' }] });
  const daemon = (run: string) => s.daemon(run, { env: { E2E_CHECKPOINT_EVERY: '250' } });

  it('consumes every record once, in order, checkpoints, and resumes after a restart', async () => {
    const first = await s.put(records(0, 3000));
    expect(first.byShard.size).toBe(4);

    // --- run 1
    let t = Date.now();
    const d1 = daemon('first');
    await s.waitForConsumed(d1, 3000, { what: 'every record of run 1 consumed' });
    console.log(`run 1: 3000 records consumed ${Date.now() - t} ms after daemon start`);

    // checkpoints reach the lease table while running (every 250 records per shard). The
    // policy checkpoints after the batch the processor has already recorded, so the last
    // shard's checkpoint may still be on its way to DynamoDB: wait for it, briefly.
    let running = await s.leases();
    await waitFor(
      'a numeric checkpoint on every lease while running',
      async () => {
        running = await s.leases();
        return running.size === 4 && [...running.values()].every((l) => /^\d+$/.test(l.checkpoint ?? ''));
      },
      15_000,
      100,
    );
    expect([...running.keys()].sort()).toEqual([...first.byShard.keys()].sort());
    for (const lease of running.values()) {
      expect(lease.leaseOwner).toBe('worker-1');
      expect(lease.checkpoint).toMatch(/^\d+$/);
    }

    t = Date.now();
    const stop1 = await d1.stopGracefully();
    console.log(`run 1: graceful stop took ${stop1.tookMs} ms (exit ${JSON.stringify(stop1)})`);
    const ev1 = s.events();
    console.log(summarize(ev1));

    expect(missing(first.records, ev1)).toEqual([]);
    expect(duplicates(ev1)).toEqual([]);
    expect(orderViolations(ev1)).toEqual([]);
    expect(placementErrors(first.records, ev1)).toEqual([]);
    // each shard's child got shutdownRequested and exited 0
    const shutdowns = ev1.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort();
    expect(shutdowns).toEqual([...first.byShard.keys()].sort());
    const exits = ev1.filter((e) => e.ev === 'exit');
    expect(exits).toHaveLength(4);
    expect(exits.every((e) => e.code === 0)).toBe(true);

    // the final checkpoint of each shard is its last record
    const last = lastConsumedPerShard(ev1);
    const afterStop = await s.leases();
    for (const [shard, seq] of last) {
      expect(afterStop.get(shard)?.checkpoint, shard).toBe(seq);
      expect(afterStop.get(shard)?.checkpointSubSequenceNumber).toBe(0);
    }

    // --- run 2: more records, a new daemon resumes from the checkpoints
    const second = await s.put(records(3000, 500));
    t = Date.now();
    const d2 = daemon('second');
    await s.waitForConsumed(d2, 500, { run: 'second', what: 'the new records consumed by run 2' });
    console.log(`run 2: 500 records consumed ${Date.now() - t} ms after daemon start`);
    await d2.stopGracefully();
    const all = s.events();
    const inits = all.filter((e) => e.ev === 'initialize' && e.run === 'second');
    expect(inits).toHaveLength(4);
    for (const init of inits) expect(init.seq, init.shard).toBe(last.get(init.shard));
    const everything: PutResult[] = [...first.records, ...second.records];
    expect(missing(everything, all)).toEqual([]);
    expect(duplicates(all)).toEqual([]);
    expect(consumedRecords(all, 'second').map((e) => e.data).sort()).toEqual(second.records.map((r) => r.data).sort());
    expect(orderViolations(all)).toEqual([]);
  });
});
