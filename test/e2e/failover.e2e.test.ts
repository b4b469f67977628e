/**
 * Scenario 2: two workers share the shards; one is SIGKILLed (JVM and children, as when a
 * host dies); the other takes its leases over after `failoverTimeMillis` and finishes.
 * Nothing is lost; records delivered twice are only those the dead worker processed
 * after its last checkpoint.
 *
 * The worker killed is the one NOT holding KCL 3's leader lock: only the leader assigns
 * leases, and a dead leader's lock is held ~2 minutes, which would stall the takeover
 * that long (see the report / PROTOCOL.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { missing, orderViolations, summarize, takeoverProblems } from '../harness/consumed.js';
import { readLeader, readLeases, waitForLeases } from '../harness/dynamodb.js';
import type { KclDaemon } from '../harness/kcl.js';
import { startProducer } from '../harness/kinesis.js';
import { stopAll, waitFor } from '../harness/processes.js';
import { startScenario, waitWhileRunning } from '../harness/scenario.js';

const STREAM = 'payments';
const APP = 'failover-app';

describe('two workers, one killed', () => {
  afterAll(async () => {
    await stopAll();
  });

  it('the survivor takes over the dead worker’s shards; nothing is lost', async () => {
    await scenario(false);
  });

  // Slow (~2 min more): only the leader assigns leases, and a SIGKILLed leader's lock is
  // held until it expires.
  it('killing the leader: takeover waits for the leader lock to expire', async () => {
    await scenario(true);
  }, 420_000);
});

async function scenario(killLeader: boolean): Promise<void> {
  const s = await startScenario({ streams: [{ name: STREAM, shards: 4, app: APP }] });
  const env = s.standIns;
  const worker = (id: string): KclDaemon =>
    s.daemon(id, { name: id, workerId: id, properties: { maxRecords: 50 }, env: { E2E_CHECKPOINT_EVERY: '100', E2E_DELAY_MS: '50' } });

  // a steady stream of records for as long as the scenario runs
  const producer = startProducer(env.kinesis.client, STREAM, { prefix: 'p-', batchSize: 40, intervalMs: 250 });
  const workers = new Map([
    ['worker-a', worker('worker-a')],
    ['worker-b', worker('worker-b')],
  ]);
  const alive = (ids: string[]) => {
    for (const id of ids) {
      const w = workers.get(id)!;
      if (!w.process.running) throw new Error(`${id} exited: ${w.process.tail(30)}`);
    }
  };

  // both workers own leases and are consuming
  let t = Date.now();
  const shared = await waitForLeases(
    env.dynamo.client,
    APP,
    'both workers owning leases',
    (rows) => (alive(['worker-a', 'worker-b']), new Set(rows.map((r) => r.leaseOwner).filter(Boolean)).size === 2),
    90_000,
  );
  console.log(`leases shared after ${Date.now() - t} ms:`, shared.map((r) => `${r.leaseKey}=${r.leaseOwner}`).join(' '));
  await waitFor(
    'both consuming',
    () => {
      const recs = s.consumed();
      return recs.some((r) => r.run === 'worker-a') && recs.some((r) => r.run === 'worker-b');
    },
    60_000,
    100,
  );
  const leader = await waitFor('a leader', () => readLeader(env.dynamo.client, APP), 30_000);
  const other = leader === 'worker-a' ? 'worker-b' : 'worker-a';
  const victimId = killLeader ? leader : other;
  const survivorId = killLeader ? other : leader;
  console.log(`leader ${leader}; killing ${victimId}`);
  const victim = workers.get(victimId)!;

  // SIGKILL the victim: JVM and children at once
  const victimShards = new Set((await readLeases(env.dynamo.client, APP)).filter((r) => r.leaseOwner === victimId).map((r) => r.leaseKey));
  expect(victimShards.size).toBeGreaterThan(0);
  const killedAt = Date.now();
  await victim.kill();
  t = Date.now();
  const checkpointsAtKill = new Map((await readLeases(env.dynamo.client, APP)).map((r) => [r.leaseKey, r.checkpoint]));

  await waitForLeases(
    env.dynamo.client,
    APP,
    `${survivorId} owning every lease`,
    (rows) => (alive([survivorId]), rows.every((r) => r.leaseOwner === survivorId)),
    killLeader ? 300_000 : 90_000,
  );
  console.log(`${survivorId} took over ${[...victimShards].join(', ')} ${Date.now() - t} ms after the kill`);
  // the survivor consumes new records on the taken shards, then production stops
  await waitFor(
    'the survivor consuming the taken shards',
    () => s.events().some((e) => e.ev === 'record' && e.run === survivorId && victimShards.has(e.shard)),
    60_000,
    100,
  );
  const put = { records: await producer.stop() };
  console.log(`${put.records.length} records produced`);
  await waitWhileRunning(workers.get(survivorId)!.process, 'every record consumed', () => missing(put.records, s.events()).length === 0, 120_000, 250);
  console.log(`all consumed ${Date.now() - t} ms after the kill`);
  await workers.get(survivorId)!.stopGracefully();

  const events = s.events();
  console.log(summarize(events));
  expect(missing(put.records, events)).toEqual([]);
  expect(orderViolations(events)).toEqual([]);

  // the survivor resumed the taken shards from the checkpoints stored at the kill; only
  // records the victim processed after its last checkpoint were delivered again
  const takeover = takeoverProblems(events, { survivor: survivorId, shards: victimShards, checkpointsAtKill, killedAt });
  expect(takeover.problems).toEqual([]);
  console.log(`${takeover.duplicated} records delivered twice (processed by ${victimId} after its last checkpoint)`);
  await env.stop();
}
