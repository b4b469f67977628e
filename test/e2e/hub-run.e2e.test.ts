/**
 * `kcl-ts run --hub` with the real daemon (issue 13): kcl-ts starts the app from
 * `executableName` as the hub (`processors/recording-hub.ts`, a factory), runs the JVM
 * on a temporary copy of the properties whose executableName is the forwarder, and
 * stops the hub after the JVM.
 *
 * Each case: 2 shards, a few hundred records, all consumed, a policy that checkpoints
 * nothing before the stop (every lease still at TRIM_HORIZON), so that only the
 * `shutdownRequested` checkpoint can put a lease at its shard's last record:
 *
 * 1. SIGTERM to kcl-ts: forwarded to the JVM, graceful shutdown through the hub;
 * 2. SIGTERM to every process of the tree at once (kcl-ts, the hub, the JVM, the
 *    forwarders): the hub drains, which kcl-ts takes as expected;
 * 3. `--hubs 2`: the two leases go to different hubs;
 * 4. the hub SIGKILLed while the daemon runs: kcl-ts says so, stops the JVM and exits 1.
 *
 * After each: the user's properties file byte for byte as it was, no copy and no socket
 * directory left, and no process of the run alive.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumedRecords, readEvents, summarize } from '../harness/consumed.js';
import { readLeaseMap } from '../harness/dynamodb.js';
import { DAEMON_JVM_OPTIONS, daemonEnv, fastProperties, propertiesText, REPO_ROOT, startStandIns, type StandIns } from '../harness/kcl.js';
import { putRecords } from '../harness/kinesis.js';
import { waitForDaemonJvm } from '../harness/process-tree.js';
import { adoptProcessGroup, childPids, groupAlive, processAlive as alive, signalTree, spawnManaged, stopAll, waitFor, type ManagedProcess } from '../harness/processes.js';

const CASES = {
  term: { stream: 'hr-term', app: 'hub-run-term' },
  all: { stream: 'hr-all', app: 'hub-run-all' },
  two: { stream: 'hr-two', app: 'hub-run-two' },
  kill: { stream: 'hr-kill', app: 'hub-run-kill' },
} as const;
type CaseName = keyof typeof CASES;

const RECORDS = 300;
const SHUTDOWN_GRACE_MS = 12_000;
/** The daemon's grace, kcl-ts's SIGKILL bound after it and a margin: kcl-ts must be gone by then. */
const EXIT_BOUND_MS = SHUTDOWN_GRACE_MS + 25_000;
const LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
/** The app as a user's executableName would run it: one node process, no wrapper. */
const APP = `${process.execPath} --import ${LOADER} ${path.join(REPO_ROOT, 'test/e2e/processors/recording-hub.ts')}`;
const HUB_NOTE = /^kcl-ts: SIGTERM received: serving the open lease sessions/;

let env: StandIns;

beforeAll(async () => {
  env = await startStandIns({
    streams: Object.values(CASES).map((c) => ({ name: c.stream, shards: 2 })),
    leaseTables: Object.values(CASES).map((c) => ({ applicationName: c.app, streamName: c.stream })),
  });
});

afterAll(async () => {
  await stopAll();
});

interface Run {
  proc: ManagedProcess;
  propertiesFile: string;
  original: Buffer;
  output: string;
  jvmPid: number;
  hubPids: number[];
  /** The JVM's forwarders once every record was consumed (one per lease). */
  forwarders: number[];
  socketDir: string;
  shards: string[];
  lastPut: Map<string, bigint>;
  release: () => void;
}

/** Records on the case's stream, then `kcl-ts run --hub` (or `--hubs N`) on it, once every record is consumed. */
async function startRun(name: CaseName, hubs = 1): Promise<Run> {
  const c = CASES[name];
  const put = await putRecords(
    env.kinesis.client,
    c.stream,
    Array.from({ length: RECORDS }, (_, i) => ({ data: `${name}-${i}`, partitionKey: `pk-${i}` })),
  );
  const shards = [...put.byShard.keys()].sort();
  expect(shards).toHaveLength(2);
  const lastPut = new Map([...put.byShard].map(([shard, seqs]) => [shard, BigInt(seqs[seqs.length - 1]!)]));

  const propertiesFile = path.join(env.workDir, `${name}.properties`);
  const properties = {
    ...fastProperties({
      streamName: c.stream,
      applicationName: c.app,
      kinesisEndpoint: env.kinesis.endpoint,
      dynamoDBEndpoint: env.dynamo.endpoint,
      executableName: APP,
      workerId: 'worker-1',
    }),
    shutdownGraceMillis: SHUTDOWN_GRACE_MS,
  };
  writeFileSync(propertiesFile, propertiesText(properties));
  const original = readFileSync(propertiesFile);
  const output = path.join(env.workDir, `${name}.jsonl`);
  const proc = spawnManaged(
    `kcl-ts-run-hub-${name}`,
    process.execPath,
    [
      '--import',
      LOADER,
      path.join(REPO_ROOT, 'test/harness/kcl-ts-cli.ts'),
      'run',
      ...(hubs === 1 ? ['--hub'] : ['--hubs', String(hubs)]),
      '-p',
      propertiesFile,
      '--jar-dir',
      env.kclJarDir,
      ...DAEMON_JVM_OPTIONS.map((o) => `--java-opt=${o}`),
    ],
    {
      cwd: env.workDir,
      logFile: path.join(env.workDir, `kcl-ts-run-hub-${name}.log`),
      env: daemonEnv({
        E2E_OUTPUT: output,
        E2E_RUN: name,
        // never checkpoints on its own: only shutdownRequested's checkpoint can move a lease
        E2E_CHECKPOINT_EVERY: '1000000',
      }),
    },
  );
  const started = await proc.waitForLine(/^kcl-ts: starting (the hub|\d+ hubs): .*\(pid ([\d, ]+)\), waiting for (its socket|their sockets) in (\S+)$/, 60_000);
  const m = /\(pid ([\d, ]+)\), waiting for (?:its socket|their sockets) in (\S+)$/.exec(started)!;
  const hubPids = m[1]!.split(', ').map(Number);
  const socketDir = m[2]!;
  // Hubs lead process groups of their own, as the JVM does: the registry kills them on the way out too.
  const releases = hubPids.map((pid) => adoptProcessGroup(pid));
  const jvmPid = await waitForDaemonJvm(proc, `the JVM started by kcl-ts run --hub (${name})`, 60_000);
  releases.push(adoptProcessGroup(jvmPid));
  await waitFor('every record consumed', () => !proc.running || consumedRecords(readEvents(output)).length >= RECORDS, 120_000, 200);
  if (!proc.running) throw new Error(`kcl-ts run exited before the stop: ${proc.tail(40)}`);
  const forwarders = forwarderPids(jvmPid);
  expect(forwarders, 'one forwarder per lease').toHaveLength(2);
  return { proc, propertiesFile, original, output, jvmPid, hubPids, forwarders, socketDir, shards, lastPut, release: () => releases.forEach((r) => r()) };
}

/** The JVM's forwarders alive now (its children whose command is the forwarder). */
function forwarderPids(jvmPid: number): number[] {
  return childPids(jvmPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kcl-ts-forwarder');
    } catch {
      return false;
    }
  });
}

/** Waits for kcl-ts run to exit (bounded), then checks what every case must leave behind. */
async function expectEnd(run: Run, t0: number): Promise<{ code: number | null; afterMs: number; output: string }> {
  const exit = await run.proc.waitForExit(EXIT_BOUND_MS);
  const afterMs = Date.now() - t0;
  await run.proc.waitForOutputEnd(10_000);
  const output = run.proc.recentOutput();
  expect(exit.signal, 'kcl-ts run exited by itself').toBeNull();
  expect(afterMs).toBeLessThan(EXIT_BOUND_MS);
  // nothing left: the user's file as it was, no copy, no socket directory, no process
  expect(readFileSync(run.propertiesFile).equals(run.original), 'the properties file is byte-identical').toBe(true);
  const base = path.basename(run.propertiesFile);
  expect(readdirSync(env.workDir).filter((n) => n.includes(`${base}.kcl-ts-hub-`))).toEqual([]);
  expect(existsSync(run.socketDir), `${run.socketDir} removed`).toBe(false);
  const ours = [run.jvmPid, ...run.hubPids, ...run.forwarders];
  const gone = await waitFor('the JVM group, every hub and every forwarder gone', () => !groupAlive(run.jvmPid) && ours.every((p) => !alive(p)), 10_000, 50).then(
    () => true,
    () => false,
  );
  expect(gone, `left: ${ours.filter(alive).join(', ')}`).toBe(true);
  run.release();
  return { code: exit.code, afterMs, output };
}

async function expectShutdownCheckpoints(run: Run, name: CaseName): Promise<void> {
  const events = readEvents(run.output).filter((e) => e.run === name);
  console.log(`${name}: ${summarize(events)}`);
  expect(events.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort()).toEqual(run.shards);
  const leases = await readLeaseMap(env.dynamo.client, CASES[name].app);
  const checkpoints = run.shards.map((s) => leases.get(s)?.checkpoint);
  expect(checkpoints, 'each lease at its shard\'s last record').toEqual(run.shards.map((s) => String(run.lastPut.get(s))));
  expect(events.filter((e) => e.ev === 'exit').map((e) => e.code), 'the hubs exited 0').toEqual(run.hubPids.map(() => 0));
}

async function expectNothingCheckpointedYet(name: CaseName, shards: string[]): Promise<void> {
  const before = await readLeaseMap(env.dynamo.client, CASES[name].app);
  expect(shards.map((s) => before.get(s)?.checkpoint), 'nothing checkpointed before the stop').toEqual(shards.map(() => 'TRIM_HORIZON'));
}

describe('kcl-ts run --hub with the real daemon', () => {
  it('consumes every record; SIGTERM to kcl-ts → shutdownRequested through the hub, each lease at its last record, hub stopped, nothing left', async () => {
    const run = await startRun('term');
    await expectNothingCheckpointedYet('term', run.shards);
    const t0 = Date.now();
    run.proc.signal('SIGTERM');
    const end = await expectEnd(run, t0);
    console.log(`term: kcl-ts run exit ${end.code} ${end.afterMs} ms after SIGTERM`);
    expect(end.output).toContain('kcl-ts: SIGTERM: asking the daemon to shut down');
    expect(end.output).not.toContain('while the daemon was running');
    expect(end.code).toBe(143); // the JVM's status after SIGTERM, passed on
    await expectShutdownCheckpoints(run, 'term');
  });

  it('SIGTERM to every process of the tree at once → the hub drains and exits 0 (no failure), the same end', async () => {
    const run = await startRun('all');
    await expectNothingCheckpointedYet('all', run.shards);
    const t0 = Date.now();
    const signalled = signalTree(run.proc.pid, 'SIGTERM');
    for (const pid of [run.jvmPid, ...run.hubPids, ...run.forwarders]) expect(signalled, `${pid} signalled`).toContain(pid);
    const end = await expectEnd(run, t0);
    console.log(`all: kcl-ts run exit ${end.code} ${end.afterMs} ms after the signal to ${signalled.length} processes`);
    expect(end.output.split('\n').filter((l) => HUB_NOTE.test(l)), "the hub's one note").toHaveLength(1);
    expect(end.output).not.toContain('while the daemon was running');
    expect(end.code).toBe(143);
    await expectShutdownCheckpoints(run, 'all');
  });

  it('--hubs 2 serves the two leases from different hubs', async () => {
    const run = await startRun('two', 2);
    expect(run.hubPids).toHaveLength(2);
    const forwarders = run.forwarders;
    const served = readEvents(run.output)
      .filter((e) => e.run === 'two' && e.ev === 'initialize')
      .map((e) => ({ shard: e.shard, hub: run.hubPids.indexOf(e.pid) }));
    // For the record: how a pid-based choice would have fallen for these forwarders.
    console.log(`two: served ${JSON.stringify(served)}; forwarder pids ${forwarders.join(', ')} (pid % 2: ${forwarders.map((p) => p % 2).join(', ')})`);
    expect(served.map((s) => s.shard).sort()).toEqual(run.shards);
    expect(served.map((s) => s.hub).sort()).toEqual([0, 1]);
    const t0 = Date.now();
    run.proc.signal('SIGTERM');
    const end = await expectEnd(run, t0);
    expect(end.code).toBe(143);
    await expectShutdownCheckpoints(run, 'two');
  });

  it('the hub SIGKILLed while the daemon runs → one line naming it, the JVM stopped, exit 1 within the bound, no process left', async () => {
    const run = await startRun('kill');
    const t0 = Date.now();
    process.kill(run.hubPids[0]!, 'SIGKILL');
    const end = await expectEnd(run, t0);
    console.log(`kill: kcl-ts run exit ${end.code} ${end.afterMs} ms after the SIGKILL`);
    expect(end.code).toBe(1);
    const lines = end.output.split('\n').filter((l) => l.includes('while the daemon was running'));
    expect(lines).toEqual([
      `kcl-ts: the hub (pid ${run.hubPids[0]}) was killed by SIGKILL while the daemon was running: stopping the daemon (SIGTERM, SIGKILL after ${(SHUTDOWN_GRACE_MS + 10_000) / 1000} s); exiting 1`,
    ]);
  });
});
