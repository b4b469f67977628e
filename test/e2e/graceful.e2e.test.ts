/**
 * Scenario 4: graceful shutdown through `kcl-ts run`. SIGTERM to the CLI (then, second
 * run, SIGINT to its whole process group as Ctrl-C in a terminal sends it) while records
 * are still being processed → the JVM gets it (not the children), every child gets
 * `shutdownRequested`, checkpoints what it processed, and exits 0; the lease table holds
 * each shard's last processed record, and a restart continues from there without
 * redelivering anything.
 */
import { describe, expect, it } from 'vitest';
import { consumedRecords, duplicates, lastConsumedPerShard, missing, orderViolations, summarize } from '../harness/consumed.js';
import { useScenario } from '../harness/scenario.js';

const TOTAL = 6000;
/** Small batches, slow processing: SIGTERM lands mid-stream. */
const SMALL_BATCHES = { maxRecords: 50 };

describe('graceful shutdown', () => {
  const s = useScenario({ streams: [{ name: 'events', shards: 4, app: 'graceful-app' }] });

  it('SIGTERM to kcl-ts run, then Ctrl-C to its group → shutdownRequested, final checkpoint, clean exits; restart resumes', async () => {
    const put = await s.put(Array.from({ length: TOTAL }, (_, i) => ({ data: `e-${i}`, partitionKey: `k-${i}` })));

    const cli = await s.kclTsRun('first', {
      name: 'kcl-ts-run',
      properties: SMALL_BATCHES,
      env: { E2E_CHECKPOINT_EVERY: '1000', E2E_DELAY_MS: '150' },
    });
    await s.waitForConsumed(cli, 600, { what: 'some records consumed', timeoutMs: 90_000, intervalMs: 100 });
    const stopped = await cli.stopGracefully(60_000);
    console.log(`kcl-ts run: stopped ${stopped.tookMs} ms after SIGTERM, exit ${JSON.stringify(stopped)}`);
    expect(stopped.jvmGroupExited, 'the JVM and its children exited before any clean-up kill').toBe(true);

    const ev1 = s.events();
    console.log(summarize(ev1));
    const consumedFirst = consumedRecords(ev1).length;
    expect(consumedFirst).toBeLessThan(TOTAL); // really stopped mid-stream
    const shards = [...put.byShard.keys()].sort();
    expect(ev1.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort()).toEqual(shards);
    const exits = ev1.filter((e) => e.ev === 'exit');
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);

    // the final checkpoint is each shard's last processed record (checkpointing every
    // 1000 records would otherwise have stored nothing yet)
    const last = lastConsumedPerShard(ev1);
    const leases = await s.leases();
    for (const shard of shards) {
      expect(leases.get(shard)?.checkpoint, shard).toBe(last.get(shard) ?? 'TRIM_HORIZON');
    }

    // Ctrl-C in a terminal: SIGINT to kcl-ts run's whole process group. The JVM runs in a
    // group of its own, so the children do not get the signal and still answer
    // shutdownRequested (a child in the signalled group would die on it).
    const cli2 = await s.kclTsRun('ctrl-c', {
      name: 'kcl-ts-run-2',
      properties: SMALL_BATCHES,
      env: { E2E_CHECKPOINT_EVERY: '1000', E2E_DELAY_MS: '150' },
    });
    await s.waitForConsumed(cli2, 600, { run: 'ctrl-c', what: 'more records consumed', timeoutMs: 90_000, intervalMs: 100 });
    cli2.process.signalGroup('SIGINT');
    const interrupted = await cli2.process.waitForExit(60_000);
    await cli2.kill();
    console.log(`kcl-ts run after SIGINT to its group: exit ${JSON.stringify(interrupted)}`);
    const ev2 = s.events().filter((e) => e.run === 'ctrl-c');
    console.log(summarize(ev2));
    expect(ev2.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort()).toEqual(shards);
    expect(ev2.filter((e) => e.ev === 'exit').map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const last2 = lastConsumedPerShard(s.events());
    const leases2 = await s.leases();
    for (const shard of shards) expect(leases2.get(shard)?.checkpoint, shard).toBe(last2.get(shard));
    expect(s.consumed().length).toBeLessThan(TOTAL);

    // restart (the daemon directly) and finish: nothing lost, nothing delivered twice
    const d2 = s.daemon('second', { properties: SMALL_BATCHES, env: { E2E_CHECKPOINT_EVERY: '1000' } });
    await s.waitForConsumed(d2, TOTAL, { what: 'the rest consumed' });
    await d2.stopGracefully();
    const all = s.events();
    expect(missing(put.records, all)).toEqual([]);
    expect(duplicates(all)).toEqual([]);
    expect(orderViolations(all)).toEqual([]);
  });
});
