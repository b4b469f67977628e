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
  type ConsumedEvent,
} from '../harness/consumed.js';
import { readLeaseMap, readLeader, readLeases, releaseLeaderLock, waitForLeases } from '../harness/dynamodb.js';
import { forwardersOf, startHub, type Hub } from '../harness/hub.js';
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
}

async function startWorker(input: WorkerInput): Promise<Worker> {
  const c = CASES[input.case];
  const hub = input.hub ?? (await startHub({ name: `hub-${input.name}`, workDir: env.workDir, env: input.hubEnv }));
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
const sessionsOf = (events: readonly ConsumedEvent[], ev: ConsumedEvent['ev']) => events.filter((e) => e.ev === ev).map((e) => e.session);

/** `pgrp` of a process (`/proc/<pid>/stat`), or undefined once it is gone. */
function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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

    // --- a new hub and a new daemon resume after the checkpoints
    const second = await putRecords(env.kinesis.client, CASES.consume.stream, records('c', 1000, 300));
    const w2 = await startWorker({ name: 'consume-2', case: 'consume', hubEnv: { E2E_OUTPUT: output, E2E_RUN: 'second', E2E_CHECKPOINT_EVERY: '250' } });
    await waitWhile(processes(w2), 'the new records consumed by run 2', () => consumedRecords(readEvents(output), 'second').length >= 300, 120_000);
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
});
