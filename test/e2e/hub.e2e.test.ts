/**
 * Hub mode (issue 13) with the real daemon, started the way a user who runs `java`
 * themselves would: the processor app is one process with `KCL_TS_HUB_SOCKET`
 * (`processors/recording-hub.ts`, a factory: one processor per lease session), and the
 * daemon's `executableName` is the forwarder line for that socket
 * (`locateForwarder` + `formatExecutableName`). The daemon still starts one child per
 * lease, but each is a forwarder joined to the hub, and every record is processed there.
 *
 * Each case has its own stream and pre-created lease table on shared stand-ins.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  takeoverProblems,
  type ConsumedEvent,
} from '../harness/consumed.js';
import { readLeaseMap, readLeader, readLeases, releaseLeaderLock, waitForLeases } from '../harness/dynamodb.js';
import { forwardersOf, removeHubSocketDirs, startHub, type Hub } from '../harness/hub.js';
import { fastProperties, startKclDaemon, startStandIns, type KclDaemon, type PropertyValue, type StandIns } from '../harness/kcl.js';
import { compareSequenceNumbers, putRecords, splitShard, startProducer } from '../harness/kinesis.js';
import { childPids, descendantPids, groupAlive, stopAll, waitFor, type ManagedProcess } from '../harness/processes.js';

const CASES = {
  consume: { stream: 'h-consume', app: 'hub-consume', shards: 2 },
  reshard: { stream: 'h-reshard', app: 'hub-reshard', shards: 2 },
  failover: { stream: 'h-failover', app: 'hub-failover', shards: 4 },
  signal: { stream: 'h-signal', app: 'hub-signal', shards: 2 },
  poison: { stream: 'h-poison', app: 'hub-poison', shards: 2 },
} as const;
type CaseName = keyof typeof CASES;

/** `Child process exited with value: N` (the daemon's log line for each child's exit; it names no shard). */
const CHILD_EXIT = /Child process exited with value: (-?\d+)/;
const HUB_NOTE = /^kcl-ts: (SIGTERM|SIGINT|SIGHUP) received/;

let env: StandIns;

beforeAll(async () => {
  env = await startStandIns({
    streams: Object.values(CASES).map((c) => ({ name: c.stream, shards: c.shards })),
    leaseTables: Object.values(CASES).map((c) => ({ applicationName: c.app, streamName: c.stream })),
  });
});

afterAll(async () => {
  await stopAll();
  removeHubSocketDirs();
});

interface Worker {
  hub: Hub;
  daemon: KclDaemon;
  /** Every child exit value the daemon logged, in order. */
  childExits: number[];
}

interface WorkerInput {
  name: string;
  case: CaseName;
  /** The recording hub's settings (E2E_*). */
  hubEnv: Record<string, string>;
  workerId?: string;
  properties?: Record<string, PropertyValue>;
  /** Serve this daemon with a hub already running. */
  hub?: Hub;
  /** How the daemon's executableName is made (startHub's option). */
  executableNameFrom?: 'locator' | 'cli';
}

async function startWorker(input: WorkerInput): Promise<Worker> {
  const c = CASES[input.case];
  const hub =
    input.hub ??
    (await startHub({ name: `hub-${input.name}`, workDir: env.workDir, env: input.hubEnv, ...(input.executableNameFrom ? { executableNameFrom: input.executableNameFrom } : {}) }));
  const daemon = startKclDaemon({
    name: `daemon-${input.name}`,
    jarDir: env.kclJarDir,
    workDir: env.workDir,
    properties: {
      ...fastProperties({
        streamName: c.stream,
        applicationName: c.app,
        kinesisEndpoint: env.kinesis.endpoint,
        dynamoDBEndpoint: env.dynamo.endpoint,
        executableName: hub.executableName,
        workerId: input.workerId ?? 'worker-1',
      }),
      ...input.properties,
    },
  });
  const childExits: number[] = [];
  daemon.process.onLine((line) => {
    const m = CHILD_EXIT.exec(line);
    if (m) childExits.push(Number(m[1]));
  });
  return { hub, daemon, childExits };
}

/** Waits for `condition`, failing at once (not at the timeout) if one of `procs` exits. */
async function waitWhile(procs: ManagedProcess[], what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  await waitFor(what, async () => procs.some((p) => !p.running) || (await condition()), timeoutMs, 200);
  const dead = procs.find((p) => !p.running);
  if (dead) throw new Error(`${dead.name} exited while waiting for ${what}: ${dead.tail(30)}`);
}

const processes = (w: Worker): ManagedProcess[] => [w.hub.process, w.daemon.process];
const records = (prefix: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ data: `${prefix}-${from + i}`, partitionKey: `pk-${(from + i) % 97}` }));
const leaseEvents = (events: readonly ConsumedEvent[]) => events.filter((e) => e.ev !== 'exit');

/** Fields of `/proc/<pid>/stat` after the command name (state, ppid, pgrp, ...), or undefined once it is gone. */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const processGroupOf = (pid: number): number | undefined => {
  const fields = statOf(pid);
  return fields === undefined ? undefined : Number(fields[2]);
};
/** A zombie (dead, not yet reaped by whoever inherited it) counts as gone. */
const alive = (pid: number): boolean => (statOf(pid)?.[0] ?? 'Z') !== 'Z';

/** SIGTERM with no session open: the hub has nothing to drain and exits 0 at once. */
async function stopIdleHub(hub: Hub): Promise<void> {
  expect(hub.process.running, `${hub.name} still serving after its daemon stopped`).toBe(true);
  hub.process.signal('SIGTERM');
  expect(await hub.process.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  expect(existsSync(hub.socketPath), 'the socket file removed').toBe(false);
}

describe('hub mode, the daemon started with java and the forwarder line', () => {
  it('consume and restart: one hub serves both leases; checkpoints at the last records; a new hub and daemon resume after them', async () => {
    const output = path.join(env.workDir, 'consume.jsonl');
    const first = await putRecords(env.kinesis.client, CASES.consume.stream, records('c', 0, 1000));
    expect(first.byShard.size).toBe(2);
    const shards = [...first.byShard.keys()].sort();

    const w1 = await startWorker({ name: 'consume-1', case: 'consume', hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'first', E2E_CHECKPOINT_EVERY: '250' } });
    const started = w1.daemon.process.startedAt;
    console.log(`consume: ${w1.hub.forwarder.kind} forwarder: executableName = ${w1.hub.executableName}`);
    await waitWhile(processes(w1), 'a first record', () => consumedRecords(readEvents(output)).length > 0, 90_000);
    console.log(`consume: first record ${Date.now() - started} ms after the daemon's start`);
    await waitWhile(processes(w1), 'every record of run 1', () => consumedRecords(readEvents(output)).length >= 1000, 120_000);
    console.log(`consume: 1000 records ${Date.now() - started} ms after the daemon's start`);

    // the daemon's children are forwarders, one per lease, and nothing else
    const children = childPids(w1.daemon.process.pid);
    expect(children).toHaveLength(2);
    expect(forwardersOf(w1.hub, children)).toEqual(children);

    const stop = await w1.daemon.stopGracefully();
    console.log(`consume: graceful stop ${stop.tookMs} ms`);
    const ev1 = readEvents(output);
    console.log(summarize(ev1));
    // one hub served both leases, each in a session of its own
    expect(new Set(leaseEvents(ev1).map((e) => e.pid))).toEqual(new Set([w1.hub.process.pid]));
    const inits = ev1.filter((e) => e.ev === 'initialize');
    expect(inits.map((e) => e.shard).sort()).toEqual(shards);
    expect(new Set(inits.map((e) => e.session)).size).toBe(2);
    expect(missing(first.records, ev1)).toEqual([]);
    expect(duplicates(ev1)).toEqual([]);
    expect(orderViolations(ev1)).toEqual([]);
    expect(placementErrors(first.records, ev1)).toEqual([]);
    expect(ev1.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort()).toEqual(shards);
    expect(w1.childExits, 'every forwarder exited 0').toEqual([0, 0]);
    const last = lastConsumedPerShard(ev1);
    const afterStop = await readLeaseMap(env.dynamo.client, CASES.consume.app);
    for (const [shard, seq] of last) expect(afterStop.get(shard)?.checkpoint, shard).toBe(seq);
    await stopIdleHub(w1.hub);

    // --- a new hub and a new daemon resume after the checkpoints; this time the daemon's
    // executableName is what `kcl-ts hub forwarder <socket>` prints, as a user would get it
    const second = await putRecords(env.kinesis.client, CASES.consume.stream, records('c', 1000, 300));
    const w2 = await startWorker({
      name: 'consume-2',
      case: 'consume',
      executableNameFrom: 'cli',
      hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'second', E2E_CHECKPOINT_EVERY: '250' },
    });
    console.log(`consume: kcl-ts hub forwarder printed: ${w2.hub.executableName}`);
    expect(w2.hub.executableName.split(' ').at(-1)).toBe(w2.hub.socketPath);
    await waitWhile(processes(w2), 'the new records consumed by run 2', () => consumedRecords(readEvents(output), 'second').length >= 300, 120_000);
    const children2 = childPids(w2.daemon.process.pid);
    expect(children2.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '))).toEqual(children2.map(() => w2.hub.executableName));
    console.log(`consume: run 2's 300 records ${Date.now() - w2.daemon.process.startedAt} ms after its daemon's start`);
    await w2.daemon.stopGracefully();
    await stopIdleHub(w2.hub);
    const all = readEvents(output);
    const inits2 = all.filter((e) => e.ev === 'initialize' && e.run === 'second');
    expect(inits2.map((e) => e.shard).sort()).toEqual(shards);
    for (const init of inits2) {
      expect(init.seq, init.shard).toBe(last.get(init.shard));
      expect(init.pid).toBe(w2.hub.process.pid);
    }
    expect(missing([...first.records, ...second.records], all)).toEqual([]);
    expect(duplicates(all), 'nothing redelivered beyond the last checkpoint').toEqual([]);
    expect(consumedRecords(all, 'second').map((e) => e.data).sort()).toEqual(second.records.map((r) => r.data).sort());
    expect(orderViolations(all)).toEqual([]);
  });

  it('reshard: a split while consuming through the hub; the parent ends at SHARD_END before its children start', async () => {
    const PARENT = 'shardId-000000000000';
    const output = path.join(env.workDir, 'reshard.jsonl');
    const before = await putRecords(env.kinesis.client, CASES.reshard.stream, records('r', 0, 1000));
    const w = await startWorker({
      name: 'reshard',
      case: 'reshard',
      properties: { maxRecords: 100 },
      hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'r', E2E_CHECKPOINT_EVERY: '100', E2E_DELAY_MS: '100' },
    });
    await waitWhile(processes(w), 'consumption under way', () => consumedRecords(readEvents(output)).length >= 200, 90_000);
    const children = (await splitShard(env.kinesis.client, CASES.reshard.stream, PARENT)).map((c) => c.ShardId!).sort();
    const after = await putRecords(env.kinesis.client, CASES.reshard.stream, records('r', 1000, 1000));
    expect(after.byShard.has(PARENT)).toBe(false);
    const everything = [...before.records, ...after.records];
    await waitWhile(processes(w), 'every record consumed', () => missing(everything, readEvents(output)).length === 0, 120_000);
    const leases = await waitForLeases(
      env.dynamo.client,
      CASES.reshard.app,
      'parent at SHARD_END',
      (rows) => rows.find((r) => r.leaseKey === PARENT)?.checkpoint === 'SHARD_END' || rows.every((r) => r.leaseKey !== PARENT),
      30_000,
    );
    console.log(`reshard: everything consumed ${Date.now() - w.daemon.process.startedAt} ms after the daemon's start`);
    await w.daemon.stopGracefully();
    await stopIdleHub(w.hub);
    const events = readEvents(output);
    console.log(summarize(events));

    expect(new Set(leaseEvents(events).map((e) => e.pid)), 'one hub served the parent and its children').toEqual(new Set([w.hub.process.pid]));
    const parentSession = events.find((e) => e.ev === 'initialize' && e.shard === PARENT)!.session;
    expect(events.filter((e) => e.ev === 'shardEnded').map((e) => e.session)).toEqual([parentSession]);
    const parentLease = leases.find((r) => r.leaseKey === PARENT);
    // the KCL may delete a finished parent's lease later; if it is still there, it is at SHARD_END
    if (parentLease) expect(parentLease.checkpoint).toBe('SHARD_END');
    const leaseMap = await readLeaseMap(env.dynamo.client, CASES.reshard.app);
    const order = events.map((e) => `${e.ev}:${e.shard}`);
    const parentEnd = order.indexOf(`shardEnded:${PARENT}`);
    for (const id of children) {
      expect(leaseMap.get(id)?.parentShardIds).toContain(PARENT);
      const init = events.find((e) => e.ev === 'initialize' && e.shard === id);
      expect(init?.seq, id).toBe('TRIM_HORIZON');
      expect(init?.session, `${id} in a session of its own`).not.toBe(parentSession);
      expect(order.indexOf(`record:${id}`), `${id} has records`).toBeGreaterThan(-1);
      expect(order.indexOf(`record:${id}`), `${id} starts after the parent ended`).toBeGreaterThan(parentEnd);
    }
    expect(duplicates(events)).toEqual([]);
    expect(orderViolations(events)).toEqual([]);
    expect(placementErrors(everything, events)).toEqual([]);
    expect(consumedRecords(events)).toHaveLength(2000);
  });

  it('two workers, each with its own hub; one worker (its JVM, forwarders and hub) SIGKILLed: the other takes its leases over, nothing lost', async () => {
    const c = CASES.failover;
    const output = path.join(env.workDir, 'failover.jsonl');
    const producer = startProducer(env.kinesis.client, c.stream, { prefix: 'f-', batchSize: 40, intervalMs: 250 });
    const workers = new Map<string, Worker>();
    for (const id of ['worker-a', 'worker-b']) {
      workers.set(id, await startWorker({
        name: `failover-${id}`,
        case: 'failover',
        workerId: id,
        properties: { maxRecords: 50 },
        hubEnv: { E2E_OUTPUT: output, E2E_RUN: id, E2E_CHECKPOINT_EVERY: '100', E2E_DELAY_MS: '50' },
      }));
    }
    const all = [...workers.values()].flatMap(processes);
    let t = Date.now();
    await waitWhile(all, 'both workers owning leases', async () => new Set((await readLeases(env.dynamo.client, c.app)).map((r) => r.leaseOwner).filter(Boolean)).size === 2, 90_000);
    console.log(`failover: leases shared ${Date.now() - t} ms after the start`);
    await waitWhile(all, 'both consuming', () => {
      const recs = consumedRecords(readEvents(output));
      return recs.some((r) => r.run === 'worker-a') && recs.some((r) => r.run === 'worker-b');
    }, 60_000);
    // kill the worker NOT holding the leader lock: a dead leader's lock stalls lease assignment ~2 minutes
    const leader = await waitFor('a leader', () => readLeader(env.dynamo.client, c.app), 30_000);
    const victimId = leader === 'worker-a' ? 'worker-b' : 'worker-a';
    const victim = workers.get(victimId)!;
    const survivor = workers.get(leader)!;
    const victimShards = new Set((await readLeases(env.dynamo.client, c.app)).filter((r) => r.leaseOwner === victimId).map((r) => r.leaseKey));
    expect(victimShards.size).toBeGreaterThan(0);
    const victimForwarders = forwardersOf(victim.hub, childPids(victim.daemon.process.pid));
    expect(victimForwarders.length).toBeGreaterThan(0);

    // the host dies: JVM and forwarders (one group) and the hub (another), at once
    const killedAt = Date.now();
    process.kill(-victim.daemon.process.pid, 'SIGKILL');
    process.kill(-victim.hub.process.pid, 'SIGKILL');
    await Promise.all([victim.daemon.kill(), victim.hub.process.stop({ signal: 'SIGKILL', timeoutMs: 2000 })]);
    expect(victimForwarders.filter(alive)).toEqual([]);
    const checkpointsAtKill = new Map((await readLeases(env.dynamo.client, c.app)).map((r) => [r.leaseKey, r.checkpoint]));
    console.log(`failover: leader ${leader}; killed ${victimId} (${[...victimShards].map((s) => `${s} at ${checkpointsAtKill.get(s)}`).join(', ')})`);

    t = Date.now();
    await waitWhile(processes(survivor), `${leader} owning every lease`, async () => (await readLeases(env.dynamo.client, c.app)).every((r) => r.leaseOwner === leader), 90_000);
    console.log(`failover: ${leader} took over ${Date.now() - t} ms after the kill`);
    await waitWhile(processes(survivor), 'the survivor consuming the taken shards', () =>
      readEvents(output).some((e) => e.ev === 'record' && e.run === leader && victimShards.has(e.shard)), 60_000);
    const put = await producer.stop();
    await waitWhile(processes(survivor), 'every record consumed', () => missing(put, readEvents(output)).length === 0, 120_000);
    console.log(`failover: ${put.length} records, all consumed ${Date.now() - t} ms after the kill`);
    await survivor.daemon.stopGracefully();
    await stopIdleHub(survivor.hub);

    const events = readEvents(output);
    console.log(summarize(events));
    expect(missing(put, events)).toEqual([]);
    expect(orderViolations(events)).toEqual([]);
    // each worker's leases were served by its own hub
    for (const [id, w] of workers) expect(new Set(leaseEvents(events).filter((e) => e.run === id).map((e) => e.pid)), id).toEqual(new Set([w.hub.process.pid]));
    // the leader resumed the taken shards at their checkpoints; delivered twice: only the victim's records after its last one
    const takeover = takeoverProblems(events, { survivor: leader, shards: victimShards, checkpointsAtKill, killedAt });
    expect(takeover.problems).toEqual([]);
    console.log(`failover: ${takeover.duplicated} records delivered twice`);
  });

  it('SIGTERM to every process at once (the JVM\'s group, its forwarders, the hub): the hub notes it, drains, every lease checkpointed at its last record, all exit by themselves', async () => {
    const c = CASES.signal;
    const GRACE_MS = 12_000;
    const output = path.join(env.workDir, 'signal.jsonl');
    const put = await putRecords(env.kinesis.client, c.stream, records('s', 0, 300));
    const shards = [...put.byShard.keys()].sort();
    const lastPut = Object.fromEntries([...put.byShard].map(([shard, seqs]) => [shard, seqs[seqs.length - 1]]));
    const w = await startWorker({
      name: 'signal',
      case: 'signal',
      properties: { shutdownGraceMillis: GRACE_MS },
      // never checkpoints on its own: only shutdownRequested's checkpoint can move a lease;
      // the hub's deadline after a signal is what kcl-ts run would give it (grace + 10 s)
      hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'signal', E2E_CHECKPOINT_EVERY: '1000000', KCL_TS_SHUTDOWN_GRACE_MILLIS: String(GRACE_MS) },
    });
    await waitWhile(processes(w), 'every record consumed', () => consumedRecords(readEvents(output)).length >= 300, 120_000);
    const before = await readLeaseMap(env.dynamo.client, c.app);
    expect(shards.map((s) => before.get(s)?.checkpoint), 'nothing checkpointed before the signal').toEqual(shards.map(() => 'TRIM_HORIZON'));
    const jvm = w.daemon.process.pid;
    const hubPid = w.hub.process.pid;
    const forwarders = forwardersOf(w.hub, childPids(jvm));
    expect(forwarders).toHaveLength(2);
    expect(forwarders.map(processGroupOf), 'the forwarders are in the JVM\'s group').toEqual([jvm, jvm]);
    expect(processGroupOf(hubPid), 'the hub is in a group of its own').toBe(hubPid);
    const everyPid = [jvm, ...descendantPids(jvm), hubPid];

    const t0 = Date.now();
    process.kill(-jvm, 'SIGTERM');
    process.kill(hubPid, 'SIGTERM');

    const daemonExit = await w.daemon.process.waitForExit(GRACE_MS + 25_000);
    const daemonMs = Date.now() - t0;
    const hubExit = await w.hub.process.waitForExit(15_000);
    const hubMs = Date.now() - t0;
    await waitFor('every process gone', () => everyPid.every((p) => !alive(p)) && !groupAlive(jvm) && !groupAlive(hubPid), 10_000, 50);
    await w.hub.process.waitForOutputEnd(5000);
    const events = readEvents(output);
    const leases = await readLeaseMap(env.dynamo.client, c.app);
    const notes = w.hub.process.recentOutput().split('\n').filter((l) => HUB_NOTE.test(l));
    console.log(`signal: daemon exit ${JSON.stringify(daemonExit)} ${daemonMs} ms, hub exit ${JSON.stringify(hubExit)} ${hubMs} ms after the signal; ${summarize(events)}; hub: ${notes.join(' | ')}`);
    expect({
      daemonExit: daemonExit.signal === null ? 'by itself' : daemonExit.signal,
      hubExit,
      notes: notes.length,
      shutdownRequested: events.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort(),
      forwarderExits: w.childExits,
      checkpoints: Object.fromEntries(shards.map((s) => [s, leases.get(s)?.checkpoint])),
      socketLeft: existsSync(w.hub.socketPath),
    }).toEqual({
      daemonExit: 'by itself',
      hubExit: { code: 0, signal: null },
      notes: 1,
      shutdownRequested: shards,
      forwarderExits: [0, 0],
      checkpoints: lastPut,
      socketLeft: false,
    });
    expect(notes[0]).toMatch(/^kcl-ts: SIGTERM received: serving the open lease sessions/);
  });

  // The KCL 3.1.3 daemon does not restart one lease: a child that exits while it waits for a
  // status makes it System.exit(1), every lease with it (PROTOCOL.md). What hub mode must
  // add nothing to: the failed session's forwarder exits 1 as a dying child would, the
  // other session ends the daemon's way (shutdownRequested, its checkpoint), and the hub,
  // which serves sessions and not daemons, serves the restarted daemon's new forwarders.
  it('a processor failure beyond the error policy in one session: its forwarder exits 1; the other lease ends untouched; the same hub serves the restarted daemon', async () => {
    const c = CASES.poison;
    const POISON = 'p-700';
    const output = path.join(env.workDir, 'poison.jsonl');
    const allowFile = path.join(env.workDir, 'poison-is-fine-now');
    const put = await putRecords(env.kinesis.client, c.stream, records('p', 0, 1500));
    const poison = put.records.find((r) => r.data === POISON)!;
    const daemon = { case: 'poison' as const, properties: { maxRecords: 100, shutdownGraceMillis: 5000 } };
    const w1 = await startWorker({
      ...daemon,
      name: 'poison-1',
      hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'poison', E2E_CHECKPOINT_EVERY: '100', E2E_FAIL_ON_DATA: POISON, E2E_FAIL_UNLESS_FILE: allowFile },
    });
    const hub = w1.hub;
    const exit = await w1.daemon.process.waitForExit(120_000);
    console.log(`poison: daemon 1 exit ${JSON.stringify(exit)} ${Date.now() - w1.daemon.process.startedAt} ms after its start; forwarder exits ${w1.childExits.join(',')}`);
    await w1.daemon.process.stop();
    expect(exit.code, 'the daemon stops on the failed lease, as on a dying child').toBe(1);
    expect(w1.childExits[0], 'the failed session\'s forwarder exited 1').toBe(1);
    expect(w1.childExits.filter((v) => v !== 0), 'no other forwarder failed').toEqual([1]);

    const ev1 = readEvents(output);
    console.log(summarize(ev1));
    const throws = ev1.filter((e) => e.ev === 'throw');
    expect(throws).toHaveLength(4); // the first try and 3 retries (the default policy)
    const failed = throws[0]!.session;
    expect(new Set(throws.map((e) => e.session))).toEqual(new Set([failed]));
    expect(throws[0]!.shard).toBe(poison.shardId);
    expect(consumedRecords(ev1).some((e) => e.data === POISON)).toBe(false);
    const fatal = hub.process.recentOutput().split('\n').filter((l) => l.startsWith('kcl-ts: fatal:'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain(`${poison.shardId}: `);
    expect(hub.process.running, 'the hub outlives the failed session and the daemon').toBe(true);

    // the other lease's session, open when the failure came, ended the daemon's way: its
    // checkpoint at shutdownRequested is its last record, where its lease's next session
    // starts (the dying daemon may start one itself: it owns the lease until it exits)
    const otherShard = [...put.byShard.keys()].find((s) => s !== poison.shardId)!;
    const other = ev1.find((e) => e.ev === 'initialize' && e.shard === otherShard)!.session;
    expect(ev1.filter((e) => e.session === other && e.ev !== 'record').map((e) => e.ev)).toEqual(['initialize', 'shutdownRequested', 'leaseLost']);
    const otherLast = lastConsumedPerShard(ev1.filter((e) => e.session === other)).get(otherShard)!;
    const atFailure = await readLeaseMap(env.dynamo.client, c.app);
    const cp = atFailure.get(poison.shardId)!.checkpoint!;
    if (/^\d+$/.test(cp)) expect(compareSequenceNumbers(cp, poison.sequenceNumber)).toBeLessThan(0);

    // a supervisor restarts the daemon; the hub goes on. The dead daemon's shutdown hook timed
    // out on the failed lease, so its leader lock stays ~2 min: drop it as if it had expired.
    writeFileSync(allowFile, 'ok\n');
    await releaseLeaderLock(env.dynamo.client, c.app);
    const before = new Set(ev1.map((e) => e.session));
    const w2 = await startWorker({ ...daemon, name: 'poison-2', hubEnv: {}, hub });
    await waitWhile(processes(w2), 'every record consumed', () => missing(put.records, readEvents(output)).length === 0, 120_000);
    console.log(`poison: everything consumed ${Date.now() - w2.daemon.process.startedAt} ms after daemon 2's start`);
    await w2.daemon.stopGracefully();
    await stopIdleHub(hub);
    const all = readEvents(output);
    console.log(summarize(all));

    const run2 = all.filter((e) => e.ev !== 'exit' && !before.has(e.session));
    expect(new Set(run2.map((e) => e.pid)), 'the same hub served the restarted daemon').toEqual(new Set([hub.process.pid]));
    const resumed = run2.find((e) => e.ev === 'initialize' && e.shard === poison.shardId);
    expect(resumed?.seq, 'the failed lease resumed at its checkpoint, in a new session').toBe(cp);
    const otherNext = all.find((e) => e.ev === 'initialize' && e.shard === otherShard && e.session !== other);
    expect(otherNext?.seq, 'the other lease resumed after its session\'s last record').toBe(otherLast);
    expect(missing(put.records, all)).toEqual([]);
    expect(consumedRecords(all).some((e) => e.data === POISON)).toBe(true);
    expect(orderViolations(all)).toEqual([]);
    // redelivered: only the failed lease's records after its checkpoint, and none of those the
    // other lease's session had (a later session cut by the daemon's exit may leave some behind it)
    const dupes = new Set(duplicates(all));
    const redelivered = consumedRecords(all).filter((e) => dupes.has(e.data!));
    for (const e of redelivered) {
      const after = e.shard === poison.shardId ? cp : otherLast;
      if (/^\d+$/.test(after)) expect(compareSequenceNumbers(e.seq!, after), `${e.data} on ${e.shard} delivered twice`).toBeGreaterThan(0);
    }
    const redeliveredOn = (shard: string) => new Set(redelivered.filter((e) => e.shard === shard).map((e) => e.data)).size;
    console.log(`poison: records delivered more than once: ${redeliveredOn(poison.shardId)} on ${poison.shardId}, ${redeliveredOn(otherShard)} on ${otherShard}`);
  });
});
