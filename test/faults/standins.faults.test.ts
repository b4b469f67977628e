/**
 * The stand-ins die under a running consumer: DynamoDB Local (the lease table) and,
 * separately, kinesis-local (the stream) are SIGKILLed while `kcl-ts run` consumes, stay
 * down for a while, and come back on the same port with their data (persistence on, see
 * PROTOCOL.md). A supervisor loop restarts `kcl-ts run` whenever it exits, as a real
 * deployment would. Afterwards every record put was consumed; redeliveries only after the
 * last confirmed checkpoint; order within each child kept.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbJarDir, kclJarDir } from '../harness/artifacts.js';
import { consumedRecords, missing, orderViolations, readEvents, summarize } from '../harness/consumed.js';
import { createLeaseTable, readLeaseMap, releaseLeaderLock, startDynamoDbLocal, type DynamoDbLocal } from '../harness/dynamodb.js';
import { firstDeliveryOrderViolations, redeliveryProblems, supervise } from '../harness/faults.js';
import { fastProperties, startKclTsRun, tsxExecutable } from '../harness/kcl.js';
import { listShards, putRecords, startKinesisLocal, type KinesisLocal, type PutResult } from '../harness/kinesis.js';
import { sleep, stopAll, waitFor } from '../harness/processes.js';

const DOWN_MS = 15_000;

describe('stand-ins killed and restarted while consuming', () => {
  let workDir: string;
  let kinesis: KinesisLocal;
  let dynamo: DynamoDbLocal;
  let ddbJars: string;
  let kclJars: string;

  const startKinesis = async (port?: number) =>
    startKinesisLocal({
      port,
      persistDir: path.join(workDir, 'kinesis-data'),
      streams: port === undefined ? [{ name: 'ddb-fault', shards: 2 }, { name: 'kinesis-fault', shards: 2 }] : [],
      logFile: path.join(workDir, 'kinesis-local.log'),
    });
  const startDynamo = async (port?: number) =>
    startDynamoDbLocal({ jarDir: ddbJars, port, persistDir: path.join(workDir, 'ddb-data'), logFile: path.join(workDir, 'dynamodb-local.log') });

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-faults-'));
    mkdirSync(path.join(workDir, 'kinesis-data'));
    mkdirSync(path.join(workDir, 'ddb-data'));
    [ddbJars, kclJars] = await Promise.all([dynamoDbJarDir(), kclJarDir()]);
    [kinesis, dynamo] = await Promise.all([startKinesis(), startDynamo()]);
    for (const stream of ['ddb-fault', 'kinesis-fault']) {
      await createLeaseTable(dynamo.client, `${stream}-app`, await listShards(kinesis.client, stream));
    }
  });

  afterAll(async () => {
    await stopAll();
  });

  async function scenario(stream: string, fault: 'dynamodb' | 'kinesis') {
    const app = `${stream}-app`;
    const output = path.join(workDir, `${stream}.jsonl`);
    const put: PutResult[] = [];
    let n = 0;
    const produce = async (count: number) => {
      const batch = Array.from({ length: count }, () => ({ data: `${stream}-${n}`, partitionKey: `pk-${n++}` }));
      put.push(...(await putRecords(kinesis.client, stream, batch)).records);
    };
    const consumed = () => consumedRecords(readEvents(output)).length;

    // kinesis-local persists every 5 s: what is put before the daemon starts (~10 s) is on disk
    // when it is killed; a slower consumer is still at it then
    await produce(fault === 'kinesis' ? 600 : 300);
    const slow = fault === 'kinesis';
    const supervisor = supervise(
      (i) =>
        startKclTsRun({
          name: `${stream}-run-${i}`,
          jarDir: kclJars,
          workDir,
          properties: {
            ...fastProperties({
              streamName: stream,
              applicationName: app,
              kinesisEndpoint: kinesis.endpoint,
              dynamoDBEndpoint: dynamo.endpoint,
              executableName: tsxExecutable('test/faults/processors/killing.ts'),
              workerId: 'worker-1',
            }),
            maxRecords: slow ? 20 : 50,
          },
          env: { E2E_OUTPUT: output, E2E_RUN: `run-${i}`, FAULT_CHECKPOINT_EVERY: '20', FAULT_SLEEP_MS: slow ? '300' : '50' },
        }),
      // the dead daemon's leader lock would idle a restart ~2 min; production just waits
      { beforeRestart: async () => void (await releaseLeaderLock(dynamo.client, app)), restartDelayMs: 2000 },
    );
    try {
      await waitFor('consumption under way', () => consumed() >= 100, 120_000, 100);
      const port = fault === 'dynamodb' ? dynamo.port : kinesis.port;
      if (fault === 'kinesis') {
        await kinesis.process.stop({ signal: 'SIGKILL', timeoutMs: 2000 });
      } else {
        await dynamo.process.stop({ signal: 'SIGKILL', timeoutMs: 2000 });
      }
      const killedAt = Date.now();
      const atKill = new Set(consumedRecords(readEvents(output)).map((e) => e.data));
      console.log(`${fault} stand-in SIGKILLed after ${atKill.size} of ${put.length} records consumed`);
      // (the DynamoDB scenario puts more records during the outage instead)
      if (fault === 'kinesis') expect(atKill.size, 'killed while consuming').toBeLessThan(put.length);
      // while DynamoDB is down the stream still takes records
      if (fault === 'dynamodb') await produce(300);
      await sleep(DOWN_MS);
      if (fault === 'dynamodb') dynamo = await startDynamo(port);
      else kinesis = await startKinesis(port);
      console.log(`${fault} stand-in back after ${Date.now() - killedAt} ms (port ${port})`);
      await produce(300);
      await waitFor('every record consumed', () => missing(put, readEvents(output)).length === 0, 240_000, 500);
    } finally {
      await supervisor.stop();
    }
    const events = readEvents(output);
    console.log(summarize(events));
    const report = redeliveryProblems(events);
    const summary =
      `${fault}: ${put.length} put, ${consumedRecords(events).length} deliveries, ${report.redeliveries} redeliveries, ` +
      `${missing(put, events).length} lost; kcl-ts run started ${supervisor.starts()} times, exits ${JSON.stringify(supervisor.exits())}`;
    console.log(summary);
    expect(missing(put, events)).toEqual([]);
    expect(orderViolations(events)).toEqual([]);
    expect(firstDeliveryOrderViolations(events)).toEqual([]);
    expect(report.problems).toEqual([]);
    const leases = await readLeaseMap(dynamo.client, app);
    for (const lease of leases.values()) expect(lease.checkpoint, lease.leaseKey).toMatch(/^\d+$/);
  }

  it('DynamoDB Local SIGKILLed for 15 s and restarted: the consumer recovers, nothing lost', async () => {
    await scenario('ddb-fault', 'dynamodb');
  });

  it('kinesis-local SIGKILLed for 15 s and restarted: the consumer recovers, nothing lost', async () => {
    await scenario('kinesis-fault', 'kinesis');
  });
});
