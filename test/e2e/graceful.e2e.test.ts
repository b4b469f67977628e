/**
 * Scenario 4: graceful shutdown through `kcl-ts run`. SIGTERM to the CLI (then, second
 * run, SIGINT to its whole process group as Ctrl-C in a terminal sends it) while records
 * are still being processed → the JVM gets it (not the children), every child gets
 * `shutdownRequested`, checkpoints what it processed, and exits 0; the lease table holds
 * each shard's last processed record, and a restart continues from there without
 * redelivering anything.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumedRecords,
  duplicates,
  lastConsumedPerShard,
  missing,
  orderViolations,
  readEvents,
  summarize,
} from '../harness/consumed.js';
import { readLeaseMap } from '../harness/dynamodb.js';
import {
  fastProperties,
  startKclDaemon,
  startKclTsRun,
  startStandIns,
  tsxExecutable,
  type StandIns,
} from '../harness/kcl.js';
import { putRecords } from '../harness/kinesis.js';
import { stopAll, waitFor } from '../harness/processes.js';

const STREAM = 'events';
const APP = 'graceful-app';
const TOTAL = 6000;

describe('graceful shutdown', () => {
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

  function properties() {
    return {
      ...fastProperties({
        streamName: STREAM,
        applicationName: APP,
        kinesisEndpoint: env.kinesis.endpoint,
        dynamoDBEndpoint: env.dynamo.endpoint,
        executableName: tsxExecutable('test/e2e/processors/recording.ts'),
        workerId: 'worker-1',
      }),
      // small batches, slow processing: SIGTERM lands mid-stream
      maxRecords: 50,
    };
  }

  it('SIGTERM to kcl-ts run, then Ctrl-C to its group → shutdownRequested, final checkpoint, clean exits; restart resumes', async () => {
    const put = await putRecords(
      env.kinesis.client,
      STREAM,
      Array.from({ length: TOTAL }, (_, i) => ({ data: `e-${i}`, partitionKey: `k-${i}` })),
    );

    const cli = await startKclTsRun({
      name: 'kcl-ts-run',
      jarDir: env.kclJarDir,
      workDir: env.workDir,
      properties: properties(),
      env: { E2E_OUTPUT: output, E2E_RUN: 'first', E2E_CHECKPOINT_EVERY: '1000', E2E_DELAY_MS: '150' },
    });
    await waitFor(
      'some records consumed',
      () => {
        if (!cli.process.running) throw new Error(`kcl-ts run exited: ${cli.process.tail(30)}`);
        return consumedRecords(readEvents(output)).length >= 600;
      },
      90_000,
      100,
    );
    const stopped = await cli.stopGracefully(60_000);
    console.log(`kcl-ts run: stopped ${stopped.tookMs} ms after SIGTERM, exit ${JSON.stringify(stopped)}`);
    expect(stopped.jvmGroupExited, 'the JVM and its children exited before any clean-up kill').toBe(true);

    const ev1 = readEvents(output);
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
    const leases = await readLeaseMap(env.dynamo.client, APP);
    for (const shard of shards) {
      expect(leases.get(shard)?.checkpoint, shard).toBe(last.get(shard) ?? 'TRIM_HORIZON');
    }

    // Ctrl-C in a terminal: SIGINT to kcl-ts run's whole process group. The JVM runs in a
    // group of its own, so the children do not get the signal and still answer
    // shutdownRequested (a child in the signalled group would die on it).
    const cli2 = await startKclTsRun({
      name: 'kcl-ts-run-2',
      jarDir: env.kclJarDir,
      workDir: env.workDir,
      properties: properties(),
      env: { E2E_OUTPUT: output, E2E_RUN: 'ctrl-c', E2E_CHECKPOINT_EVERY: '1000', E2E_DELAY_MS: '150' },
    });
    await waitFor(
      'more records consumed',
      () => {
        if (!cli2.process.running) throw new Error(`kcl-ts run exited: ${cli2.process.tail(30)}`);
        return consumedRecords(readEvents(output), 'ctrl-c').length >= 600;
      },
      90_000,
      100,
    );
    cli2.process.signalGroup('SIGINT');
    const interrupted = await cli2.process.waitForExit(60_000);
    await cli2.kill();
    console.log(`kcl-ts run after SIGINT to its group: exit ${JSON.stringify(interrupted)}`);
    const ev2 = readEvents(output).filter((e) => e.run === 'ctrl-c');
    console.log(summarize(ev2));
    expect(ev2.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort()).toEqual(shards);
    expect(ev2.filter((e) => e.ev === 'exit').map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const last2 = lastConsumedPerShard(readEvents(output));
    const leases2 = await readLeaseMap(env.dynamo.client, APP);
    for (const shard of shards) expect(leases2.get(shard)?.checkpoint, shard).toBe(last2.get(shard));
    expect(consumedRecords(readEvents(output)).length).toBeLessThan(TOTAL);

    // restart (the daemon directly) and finish: nothing lost, nothing delivered twice
    const d2 = startKclDaemon({
      name: 'daemon-second',
      jarDir: env.kclJarDir,
      workDir: env.workDir,
      properties: properties(),
      env: { E2E_OUTPUT: output, E2E_RUN: 'second', E2E_CHECKPOINT_EVERY: '1000' },
    });
    await waitFor(
      'the rest consumed',
      () => {
        if (!d2.process.running) throw new Error(`daemon exited: ${d2.process.tail(30)}`);
        return consumedRecords(readEvents(output)).length >= TOTAL;
      },
      120_000,
      250,
    );
    await d2.stopGracefully();
    const all = readEvents(output);
    expect(missing(put.records, all)).toEqual([]);
    expect(duplicates(all)).toEqual([]);
    expect(orderViolations(all)).toEqual([]);
  });
});
