/**
 * Scenario 5: a processor that keeps throwing, under the default error policy (retry,
 * then exit non-zero). The child's exit stops the whole daemon (System.exit(1), every
 * shard with it). A restart resumes every shard from its last checkpoint: the records
 * after it are delivered again, nothing is lost.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumedRecords, duplicates, missing, orderViolations, summarize } from '../harness/consumed.js';
import { releaseLeaderLock } from '../harness/dynamodb.js';
import { compareSequenceNumbers } from '../harness/kinesis.js';
import { useScenario, waitWhileRunning } from '../harness/scenario.js';

const APP = 'failure-app';
const POISON = 'j-700';

describe('a processor that throws', () => {
  const s = useScenario({ streams: [{ name: 'jobs', shards: 2, app: APP }] });
  const allowFile = () => path.join(s.standIns.workDir, 'poison-is-fine-now');
  const daemon = (run: string) =>
    s.daemon(run, {
      properties: {
        maxRecords: 100,
        // A child's exit makes the daemon System.exit(1); its shutdown hook then waits
        // up to shutdownGraceMillis for the failed shard's shutdown, which never comes.
        shutdownGraceMillis: 5000,
      },
      env: { E2E_CHECKPOINT_EVERY: '100', E2E_FAIL_ON_DATA: POISON, E2E_FAIL_UNLESS_FILE: allowFile() },
    });

  it('stops the daemon; a restart redelivers from the last checkpoint; nothing lost', async () => {
    const put = await s.put(Array.from({ length: 1500 }, (_, i) => ({ data: `j-${i}`, partitionKey: `job-${i}` })));
    const poison = put.records.find((r) => r.data === POISON)!;

    const d1 = daemon('first');
    const exit = await d1.process.waitForExit(120_000);
    console.log(`daemon run 1 exited ${JSON.stringify(exit)} ${Date.now() - d1.process.startedAt} ms after start`);
    expect(exit.code).not.toBe(0);
    await d1.process.stop();

    const ev1 = s.events();
    console.log(summarize(ev1));
    const throws = ev1.filter((e) => e.ev === 'throw');
    expect(throws.length).toBe(4); // the first try and 3 retries (the default policy)
    expect(throws.every((e) => e.data === POISON)).toBe(true);
    const poisonChildExit = ev1.find((e) => e.ev === 'exit' && e.pid === throws[0]!.pid);
    expect(poisonChildExit?.code).toBe(1);
    expect(consumedRecords(ev1).some((e) => e.data === POISON)).toBe(false);

    // the poisoned shard's checkpoint is before the poison record
    const atFailure = await s.leases();
    const cp = atFailure.get(poison.shardId)!.checkpoint!;
    if (/^\d+$/.test(cp)) expect(compareSequenceNumbers(cp, poison.sequenceNumber)).toBeLessThan(0);

    console.log('leases after the failure:', [...atFailure.values()].map((l) => `${l.leaseKey}=${l.leaseOwner ?? '-'}@${l.checkpoint}`).join(' '));

    // restart with the poison made harmless: everything arrives. The dead daemon's
    // shutdown hook timed out, so it still holds the leader lock (~2 min); drop it as if
    // it had expired, or the restart could not get unowned leases assigned until then.
    writeFileSync(allowFile(), 'ok\n');
    const hadLock = await releaseLeaderLock(s.standIns.dynamo.client, APP);
    console.log(`leader lock still held after the failure: ${hadLock}`);
    const d2 = daemon('second');
    await waitWhileRunning(d2.process, 'every record consumed', () => missing(put.records, s.events()).length === 0, 120_000, 250);
    await d2.stopGracefully();
    const all = s.events();
    console.log(summarize(all));
    expect(missing(put.records, all)).toEqual([]);

    // run 2 started each shard at its stored checkpoint
    for (const init of all.filter((e) => e.ev === 'initialize' && e.run === 'second')) {
      expect(init.seq, init.shard).toBe(atFailure.get(init.shard)?.checkpoint);
    }
    // what run 2 delivered again is exactly what came after the checkpoints
    const dupes = new Set(duplicates(all));
    expect(dupes.size).toBeGreaterThan(0);
    for (const e of consumedRecords(all, 'second')) {
      const stored = atFailure.get(e.shard)?.checkpoint;
      if (stored && /^\d+$/.test(stored)) expect(compareSequenceNumbers(e.seq!, stored)).toBeGreaterThan(0);
    }
    expect(orderViolations(all)).toEqual([]);
  });
});
