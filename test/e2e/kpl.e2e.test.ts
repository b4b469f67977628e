/**
 * KPL-aggregated records through the real daemon: the KCL de-aggregates them into user
 * records sharing a sequence number with sub-sequence numbers 0…N-1. A checkpoint in the
 * middle of an aggregate (sequence number + sub-sequence number) must survive a crash:
 * after SIGKILL and a restart, delivery resumes at the next sub-record, with nothing
 * before it delivered again and nothing after it lost.
 */
import { describe, expect, it } from 'vitest';
import { consumedRecords, summarize, type ConsumedEvent } from '../harness/consumed.js';
import { releaseLeaderLock } from '../harness/dynamodb.js';
import { comparePositions } from '../../src/protocol/sequence.js';
import { aggregate } from '../harness/kpl.js';
import { useScenario, waitWhileRunning } from '../harness/scenario.js';

const APP = 'kpl-app';
const SHARD = 'shardId-000000000000';
const AGGREGATES = 40;
const PER_AGGREGATE = 25;
const TOTAL = AGGREGATES * PER_AGGREGATE;

/** The recording's `{ seq, sub }` compared as the KCL orders positions. */
function compareEsn(a: { seq: string; sub: number }, b: { seq: string; sub: number }): number {
  return comparePositions({ sequenceNumber: a.seq, subSequenceNumber: a.sub }, { sequenceNumber: b.seq, subSequenceNumber: b.sub });
}

describe('KPL aggregation', () => {
  const s = useScenario({ streams: [{ name: 'kpl', shards: 1, app: APP }] });
  const daemon = (run: string) =>
    s.daemon(run, {
      properties: { maxRecords: 2 },
      // one record at a time; checkpoint after sub-records 7, 17 of each aggregate
      env: { E2E_MODE: 'record', E2E_CHECKPOINT_SUB: '7', E2E_DELAY_MS: '5' },
    });

  it('de-aggregates, checkpoints mid-aggregate, and resumes there after a crash', async () => {
    const payloads = Array.from({ length: AGGREGATES }, (_, i) => ({
      data: aggregate(Array.from({ length: PER_AGGREGATE }, (_, j) => ({ partitionKey: `pk-${i}`, data: `u-${i}-${j}` }))),
      partitionKey: `pk-${i}`,
    }));
    const put = await s.put(payloads);
    const seqOfAggregate = put.records.map((r) => r.sequenceNumber);

    const d1 = daemon('first');
    await s.waitForConsumed(d1, TOTAL / 3, { what: 'a third consumed', timeoutMs: 90_000, intervalMs: 50 });
    await d1.kill(); // SIGKILL, JVM and child: no shutdownRequested, no final checkpoint
    const ev1 = s.events();
    console.log(summarize(ev1));

    // user records: the KCL's sub-sequence numbering of the aggregates
    for (const e of consumedRecords(ev1)) {
      const [, i, j] = /^u-(\d+)-(\d+)$/.exec(e.data!)!.map(Number) as [number, number, number];
      expect(e.seq).toBe(seqOfAggregate[i]);
      expect(e.sub).toBe(j);
    }

    const lease = (await s.leases()).get(SHARD)!;
    console.log(`checkpoint at the kill: ${lease.checkpoint} / ${lease.checkpointSubSequenceNumber}`);
    expect(lease.checkpoint).toMatch(/^\d+$/);
    expect([7, 17]).toContain(lease.checkpointSubSequenceNumber); // mid-aggregate
    const cp = { seq: lease.checkpoint!, sub: lease.checkpointSubSequenceNumber! };

    await releaseLeaderLock(s.standIns.dynamo.client, APP); // the dead leader's lock, as if expired
    const d2 = daemon('second');
    await waitWhileRunning(d2.process, 'everything consumed', () => new Set(s.consumed().map((e) => e.data)).size >= TOTAL, 120_000, 250);
    await d2.stopGracefully();
    const all = s.events();
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
    const redelivered = firstRun.filter((e) => second.some((r) => r.data === e.data));
    for (const e of redelivered) expect(compareEsn(e, cp)).toBeGreaterThan(0);
    console.log(`${redelivered.length} sub-records delivered again (processed after the last checkpoint)`);
  });
});
