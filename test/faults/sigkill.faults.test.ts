/**
 * SIGKILL the child at seeded random points — in the middle of a batch, while a
 * checkpoint is in flight, during `shardEnded` — with the real daemon. Each kill stops the
 * daemon (System.exit(1), as PROTOCOL.md says); the test plays the supervisor and starts
 * it again with the lease table kept. Afterwards: every record put was consumed at least
 * once, first deliveries are in order per shard, and every redelivered record comes after
 * the last checkpoint the daemon confirmed for its shard.
 *
 * FAULTS_SEED picks other kill points; FAULTS_KILL_RUNS the number of batch/checkpoint kills.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumedRecords, missing, orderViolations, summarize, type ConsumedEvent } from '../harness/consumed.js';
import { releaseLeaderLock } from '../harness/dynamodb.js';
import { faultsSeed, firstDeliveryOrderViolations, randomInt, redeliveryProblems, seededRandom } from '../harness/faults.js';
import { compareSequenceNumbers, splitShard, type PutResult } from '../harness/kinesis.js';
import { waitFor } from '../harness/processes.js';
import { useScenario, waitWhileRunning } from '../harness/scenario.js';

const STREAM = 'orders';
const APP = 'faults-kill-app';
const PARENT = 'shardId-000000000000';
const SEED = faultsSeed(20261124);
const KILL_RUNS = Number(process.env.FAULTS_KILL_RUNS ?? '20');
const SHARD_END_RUNS = 3;
const PER_RUN = 120;
const CHECKPOINT_EVERY = 20;

type KillPoint = 'batch' | 'checkpoint' | 'shardEnded';

describe('SIGKILL of the child at random points', () => {
  const s = useScenario({ streams: [{ name: STREAM, shards: 2, app: APP }], processor: 'test/faults/processors/killing.ts' });
  const daemon = (run: string, extraEnv: Record<string, string>) =>
    s.daemon(run, {
      properties: {
        maxRecords: 50,
        // the dying daemon's shutdown hook waits this long for the killed shard
        shutdownGraceMillis: 3000,
      },
      env: { FAULT_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), ...extraEnv },
    });

  it(`${KILL_RUNS} kills in batches and checkpoints, ${SHARD_END_RUNS} in shardEnded: nothing lost, order kept, redelivery only after the checkpoint`, async () => {
    const random = seededRandom(SEED);
    console.log(`fault seed ${SEED} (FAULTS_SEED=${SEED} reproduces the kill points)`);
    const put: PutResult[] = [];
    let next = 0;
    const produce = async (n: number) => {
      const batch = Array.from({ length: n }, () => {
        const i = next++;
        return { data: `o-${i}`, partitionKey: `pk-${randomInt(random, 0, 1_000_000)}` };
      });
      put.push(...(await s.put(batch)).records);
    };

    const plan: { point: KillPoint; after: number }[] = [];
    for (let i = 0; i < KILL_RUNS; i++) {
      // half and half, in seeded order
      const point: KillPoint = i % 2 === 0 ? 'batch' : 'checkpoint';
      plan.push({ point, after: point === 'batch' ? randomInt(random, 1, 55) : randomInt(random, 1, 2) });
    }
    for (let a = plan.length - 1; a > 0; a--) {
      const b = randomInt(random, 0, a);
      [plan[a], plan[b]] = [plan[b]!, plan[a]!];
    }
    for (let i = 0; i < SHARD_END_RUNS; i++) plan.push({ point: 'shardEnded', after: 0 });

    const outcomes: string[] = [];
    let split = false;
    let extra = 0;
    for (let i = 0; i < plan.length; i++) {
      const step = plan[i]!;
      if (step.point === 'shardEnded' && !split) {
        await splitShard(s.standIns.kinesis.client, STREAM, PARENT);
        split = true;
      }
      await produce(PER_RUN);
      const run = `r${i}`;
      const token = path.join(s.standIns.workDir, `kill-${run}`);
      const started = Date.now();
      const d = daemon(run, { FAULT_KILL_AT: step.point, FAULT_KILL_AFTER: String(step.after), FAULT_TOKEN: token });
      const how = await waitFor(
        `${run}: the daemon to exit after the kill (${step.point} #${step.after})`,
        () => {
          if (!d.process.running) return 'exited';
          // a kill point not reached (a short batch): the run drained everything. The output
          // first, the token second: a child claims its kill (the token) before it writes the
          // records it dies after, so every record consumed and still no token means no kill
          // is coming (token first could miss a kill claimed right after the check).
          if (step.point !== 'shardEnded' && missing(put, s.events()).length === 0 && !existsSync(token)) {
            return 'drained';
          }
          return undefined;
        },
        180_000,
        250,
      );
      if (how === 'drained') await d.stopGracefully();
      else await d.process.stop({ timeoutMs: 2000 });
      const events = s.events();
      const kill = events.find((e) => e.run === run && (e.ev as string) === 'kill') as (ConsumedEvent & { at?: string }) | undefined;
      outcomes.push(
        `${run} ${step.point}#${step.after}: ${kill ? `killed ${kill.shard} at ${kill.at} ${kill.seq ?? ''}` : 'not reached, drained'}; daemon ${how} ${JSON.stringify(d.process.exitInfo)} after ${Date.now() - started} ms`,
      );
      console.log(outcomes.at(-1));
      if (kill) expect(how).toBe('exited');
      else if (extra < 5) {
        // the kill point lay past what this run had to do: try once more, before the shard-end runs
        extra += 1;
        const point = step.point;
        plan.splice(i + 1, 0, { point, after: point === 'batch' ? randomInt(random, 1, 40) : 1 });
      }
      if (step.point === 'shardEnded') expect(kill?.at).toBe('shardEnded');
      // the dead daemon kept the leader lock (~2 min); drop it as if it had expired
      await releaseLeaderLock(s.standIns.dynamo.client, APP);
    }

    // a last, undisturbed run drains the stream
    const final = daemon('final', {});
    await waitWhileRunning(
      final.process,
      'every record consumed and the parent at SHARD_END',
      async () => {
        if (missing(put, s.events()).length > 0) return false;
        const parent = (await s.leases()).get(PARENT);
        return parent === undefined || parent.checkpoint === 'SHARD_END';
      },
      180_000,
      250,
    );
    await final.stopGracefully();

    const events = s.events();
    console.log(summarize(events));
    const kills = events.filter((e) => (e.ev as string) === 'kill') as (ConsumedEvent & { at: string })[];
    const byPoint = new Map<string, number>();
    for (const k of kills) byPoint.set(k.at, (byPoint.get(k.at) ?? 0) + 1);
    const report = redeliveryProblems(events);
    const records = consumedRecords(events).length;
    console.log(
      `SIGKILL summary: seed ${SEED}, ${plan.length} runs, kills ${JSON.stringify(Object.fromEntries(byPoint))}, ` +
        `${put.length} records put, ${records} deliveries, ${report.redeliveries} redeliveries, ` +
        `${missing(put, events).length} lost`,
    );

    expect(missing(put, events)).toEqual([]);
    expect(firstDeliveryOrderViolations(events)).toEqual([]);
    expect(orderViolations(events)).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(kills.length).toBeGreaterThanOrEqual(20);
    expect(byPoint.get('shardEnded')).toBe(SHARD_END_RUNS);
    expect(byPoint.get('checkpoint') ?? 0).toBeGreaterThan(0);
    expect(byPoint.get('batch') ?? 0).toBeGreaterThan(0);

    // the lease table: every open shard's checkpoint is at or past the last confirmed one
    const leases = await s.leases();
    const confirmed = new Map<string, string>();
    for (const e of events) {
      if ((e.ev as string) === 'checkpointed' && e.seq) {
        const prev = confirmed.get(e.shard);
        if (prev === undefined || compareSequenceNumbers(prev, e.seq) < 0) confirmed.set(e.shard, e.seq);
      }
    }
    for (const [shard, cp] of confirmed) {
      const lease = leases.get(shard);
      if (!lease) continue; // a finished parent's lease may be cleaned up
      if (lease.checkpoint === 'SHARD_END') continue;
      expect(/^\d+$/.test(lease.checkpoint ?? ''), `${shard} checkpoint ${lease.checkpoint}`).toBe(true);
      expect(compareSequenceNumbers(lease.checkpoint!, cp), `${shard}`).toBeGreaterThanOrEqual(0);
    }
    const parent = leases.get(PARENT);
    if (parent) expect(parent.checkpoint).toBe('SHARD_END');
  });
});
