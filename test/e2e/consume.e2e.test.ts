/**
 * Scenario 1: 4 shards, a few thousand records, the real daemon with our child.
 * Every record consumed once, in order within its shard; checkpoints stored in the lease
 * table; after a graceful stop, a restart resumes right after the checkpoint.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumedRecords,
  duplicates,
  lastConsumedPerShard,
  missing,
  orderViolations,
  placementErrors,
  readEvents,
  summarize,
} from '../harness/consumed.js';
import { readLeaseMap } from '../harness/dynamodb.js';
import { scenarioDaemon, type StandIns, startKclDaemon, startStandIns } from '../harness/kcl.js';
import { putRecords, type PutResult } from '../harness/kinesis.js';
import { stopAll, waitFor } from '../harness/processes.js';

const STREAM = 'orders';
const APP = 'consume-app';
const PROCESSOR = 'test/e2e/processors/recording.ts';

function records(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    data: `r-${String(from + i).padStart(6, '0')}`,
    partitionKey: `pk-${(from + i) % 97}`,
  }));
}

describe('4 shards, one worker', () => {
  let env: StandIns;
  let output: string;

  beforeAll(async () => {
    env = await startStandIns({
      streams: [{ name: STREAM, shards: 4 }],
      leaseTables: [{ applicationName: APP, streamName: STREAM }],
    });
    output = path.join(env.workDir, 'consumed.jsonl');
  });

  afterAll(async () => {
    await stopAll();
  });

  function daemon(run: string) {
    return startKclDaemon(scenarioDaemon(env, {
      name: `daemon-${run}`,
      streamName: STREAM,
      applicationName: APP,
      processor: PROCESSOR,
      env: { E2E_OUTPUT: output, E2E_RUN: run, E2E_CHECKPOINT_EVERY: '250' },
    }));
  }

  it('consumes every record once, in order, checkpoints, and resumes after a restart', async () => {
    const first = await putRecords(env.kinesis.client, STREAM, records(0, 3000));
    expect(first.byShard.size).toBe(4);

    // --- run 1
    let t = Date.now();
    const d1 = daemon('first');
    await waitFor(
      'every record of run 1 consumed',
      () => {
        if (!d1.process.running) throw new Error(`daemon exited: ${d1.process.tail(30)}`);
        return consumedRecords(readEvents(output)).length >= 3000;
      },
      120_000,
      250,
    );
    console.log(`run 1: 3000 records consumed ${Date.now() - t} ms after daemon start`);

    // checkpoints reach the lease table while running (every 250 records per shard). The
    // policy checkpoints after the batch the processor has already recorded, so the last
    // shard's checkpoint may still be on its way to DynamoDB: wait for it, briefly.
    let running = await readLeaseMap(env.dynamo.client, APP);
    await waitFor(
      'a numeric checkpoint on every lease while running',
      async () => {
        running = await readLeaseMap(env.dynamo.client, APP);
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
    const ev1 = readEvents(output);
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
    const afterStop = await readLeaseMap(env.dynamo.client, APP);
    for (const [shard, seq] of last) {
      expect(afterStop.get(shard)?.checkpoint, shard).toBe(seq);
      expect(afterStop.get(shard)?.checkpointSubSequenceNumber).toBe(0);
    }

    // --- run 2: more records, a new daemon resumes from the checkpoints
    const second = await putRecords(env.kinesis.client, STREAM, records(3000, 500));
    t = Date.now();
    const d2 = daemon('second');
    await waitFor(
      'the new records consumed by run 2',
      () => {
        if (!d2.process.running) throw new Error(`daemon exited: ${d2.process.tail(30)}`);
        return consumedRecords(readEvents(output), 'second').length >= 500;
      },
      120_000,
      250,
    );
    console.log(`run 2: 500 records consumed ${Date.now() - t} ms after daemon start`);
    await d2.stopGracefully();
    const all = readEvents(output);
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
