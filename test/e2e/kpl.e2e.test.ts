/**
 * KPL-aggregated records through the real daemon: the KCL de-aggregates them into user
 * records sharing a sequence number with sub-sequence numbers 0…N-1. A checkpoint in the
 * middle of an aggregate (sequence number + sub-sequence number) must survive a crash:
 * after SIGKILL and a restart, delivery resumes at the next sub-record, with nothing
 * before it delivered again and nothing after it lost.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumedRecords, readEvents, summarize, type ConsumedEvent } from '../harness/consumed.js';
import { readLeaseMap, releaseLeaderLock } from '../harness/dynamodb.js';
import { scenarioDaemon, type StandIns, startKclDaemon, startStandIns } from '../harness/kcl.js';
import { compareSequenceNumbers, putRecords } from '../harness/kinesis.js';
import { aggregate } from '../harness/kpl.js';
import { stopAll, waitFor } from '../harness/processes.js';

const STREAM = 'kpl';
const APP = 'kpl-app';
const SHARD = 'shardId-000000000000';
const AGGREGATES = 40;
const PER_AGGREGATE = 25;
const TOTAL = AGGREGATES * PER_AGGREGATE;

function compareEsn(a: { seq: string; sub: number }, b: { seq: string; sub: number }): number {
  return compareSequenceNumbers(a.seq, b.seq) || a.sub - b.sub;
}

describe('KPL aggregation', () => {
  let env: StandIns;
  let output: string;

  beforeAll(async () => {
    env = await startStandIns({
      streams: [{ name: STREAM, shards: 1 }],
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
      processor: 'test/e2e/processors/recording.ts',
      properties: { maxRecords: 2 },
      // one record at a time; checkpoint after sub-records 7, 17 of each aggregate
      env: { E2E_OUTPUT: output, E2E_RUN: run, E2E_MODE: 'record', E2E_CHECKPOINT_SUB: '7', E2E_DELAY_MS: '5' },
    }));
  }

  it('de-aggregates, checkpoints mid-aggregate, and resumes there after a crash', async () => {
    const payloads = Array.from({ length: AGGREGATES }, (_, i) => ({
      data: aggregate(Array.from({ length: PER_AGGREGATE }, (_, j) => ({ partitionKey: `pk-${i}`, data: `u-${i}-${j}` }))),
      partitionKey: `pk-${i}`,
    }));
    const put = await putRecords(env.kinesis.client, STREAM, payloads);
    const seqOfAggregate = put.records.map((r) => r.sequenceNumber);

    const d1 = daemon('first');
    await waitFor(
      'a third consumed',
      () => {
        if (!d1.process.running) throw new Error(`daemon exited: ${d1.process.tail(30)}`);
        return consumedRecords(readEvents(output)).length >= TOTAL / 3;
      },
      90_000,
      50,
    );
    await d1.kill(); // SIGKILL, JVM and child: no shutdownRequested, no final checkpoint
    const ev1 = readEvents(output);
    console.log(summarize(ev1));

    // user records: the KCL's sub-sequence numbering of the aggregates
    for (const e of consumedRecords(ev1)) {
      const [, i, j] = /^u-(\d+)-(\d+)$/.exec(e.data!)!.map(Number) as [number, number, number];
      expect(e.seq).toBe(seqOfAggregate[i]);
      expect(e.sub).toBe(j);
    }

    const lease = (await readLeaseMap(env.dynamo.client, APP)).get(SHARD)!;
    console.log(`checkpoint at the kill: ${lease.checkpoint} / ${lease.checkpointSubSequenceNumber}`);
    expect(lease.checkpoint).toMatch(/^\d+$/);
    expect([7, 17]).toContain(lease.checkpointSubSequenceNumber); // mid-aggregate
    const cp = { seq: lease.checkpoint!, sub: lease.checkpointSubSequenceNumber! };

    await releaseLeaderLock(env.dynamo.client, APP); // the dead leader's lock, as if expired
    const d2 = daemon('second');
    await waitFor(
      'everything consumed',
      () => {
        if (!d2.process.running) throw new Error(`daemon exited: ${d2.process.tail(30)}`);
        return new Set(consumedRecords(readEvents(output)).map((e) => e.data)).size >= TOTAL;
      },
      120_000,
      250,
    );
    await d2.stopGracefully();
    const all = readEvents(output);
    console.log(summarize(all));

    const init = all.find((e) => e.ev === 'initialize' && e.run === 'second')!;
    expect(init.seq).toBe(cp.seq);
    expect(init.sub).toBe(cp.sub);
    const second = consumedRecords(all, 'second') as (ConsumedEvent & { seq: string; sub: number })[];
    // resumes right after the checkpointed sub-record, not at the aggregate's start
    expect({ seq: second[0]!.seq, sub: second[0]!.sub }).toEqual({ seq: cp.seq, sub: cp.sub + 1 });
    for (const e of second) expect(compareEsn(e, cp)).toBeGreaterThan(0);
    // nothing lost, nothing before the checkpoint delivered twice
    const seen = new Set(consumedRecords(all).map((e) => e.data));
    expect(seen.size).toBe(TOTAL);
    const firstRun = consumedRecords(all, 'first') as (ConsumedEvent & { seq: string; sub: number })[];
    const redelivered = firstRun.filter((e) => second.some((s) => s.data === e.data));
    for (const e of redelivered) expect(compareEsn(e, cp)).toBeGreaterThan(0);
    console.log(`${redelivered.length} sub-records delivered again (processed after the last checkpoint)`);
  });
});
