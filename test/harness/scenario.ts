/**
 * One end-to-end scenario's set-up, written once for the e2e and fault tests: the
 * stand-ins on free ports, each stream created and its application's lease table
 * pre-created, the file the recording processor writes, and daemons (java directly, or
 * `kcl-ts run`) with the fast properties pointed at the stand-ins.
 *
 * `useScenario(options)` does it in the file's `beforeAll` and stops every process in
 * `afterAll`; `startScenario(options)` does it on the spot, for a test that wants fresh
 * stand-ins of its own.
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { consumedRecords, readEvents, type ConsumedEvent } from './consumed.js';
import { readLeaseMap, type LeaseRow } from './dynamodb.js';
import {
  scenarioDaemon,
  startKclDaemon,
  startKclTsRun,
  startStandIns,
  type DaemonOptions,
  type KclDaemon,
  type KclTsRun,
  type PropertyValue,
  type StandIns,
} from './kcl.js';
import { putRecords, type PutRecordsResult, type RecordToPut } from './kinesis.js';
import { stopAll, waitFor, type ManagedProcess } from './processes.js';

/** The child every scenario runs unless it says otherwise: it appends each record and event to `E2E_OUTPUT`. */
export const RECORDING_PROCESSOR = 'test/e2e/processors/recording.ts';

export interface ScenarioStream {
  readonly name: string;
  readonly shards: number;
  /** The KCL application (lease table) that consumes it. */
  readonly app: string;
}

export interface ScenarioOptions {
  readonly streams: readonly ScenarioStream[];
  /** The child (repo-relative, run with tsx) for every daemon that names none. Default: the recording processor. */
  readonly processor?: string;
}

export interface DaemonInput {
  /** For logs and the properties file's name. Default `daemon-<run>`. */
  readonly name?: string;
  /** Which stream (and its app). Default: the scenario's only stream. */
  readonly stream?: string;
  /** Default `worker-1`. */
  readonly workerId?: string;
  /** The child, repo-relative, run with tsx. Default: the scenario's processor. */
  readonly processor?: string;
  /** The whole `executableName` instead (a child not run with tsx). */
  readonly executableName?: string;
  /** Added to (or overriding) the fast properties. */
  readonly properties?: Readonly<Record<string, PropertyValue>>;
  /** Added to the children's environment, after `E2E_OUTPUT` and `E2E_RUN`. */
  readonly env?: Readonly<Record<string, string>>;
  /** The recording processor's file. Default: the scenario's `output`. */
  readonly output?: string;
}

export interface WaitOptions {
  /** Count only this run's records (its `E2E_RUN`). */
  readonly run?: string;
  /** What the failure message says was awaited. */
  readonly what?: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

export interface Scenario {
  /** The stand-ins, the KCL jars and the work directory (every process's log is there). */
  readonly standIns: StandIns;
  /** `<workDir>/consumed.jsonl`, what the recording processor writes (`E2E_OUTPUT`). */
  readonly output: string;
  /** Everything the recording processor wrote so far. */
  events(): ConsumedEvent[];
  /** The records it consumed so far (of one run, or all). */
  consumed(run?: string): ConsumedEvent[];
  /** Puts records on a stream (default: the only one). */
  put(records: readonly RecordToPut[], stream?: string): Promise<PutRecordsResult>;
  /** The lease table of an app (default: the only stream's), by lease key. */
  leases(app?: string): Promise<Map<string, LeaseRow>>;
  /** Daemon options for one run: fast properties on the stand-ins, `E2E_OUTPUT` and `E2E_RUN=<run>` for the children. */
  daemonOptions(run: string, input?: DaemonInput): DaemonOptions;
  /** The daemon started with java directly. */
  daemon(run: string, input?: DaemonInput): KclDaemon;
  /** The daemon started through `kcl-ts run` (from source). */
  kclTsRun(run: string, input?: DaemonInput): Promise<KclTsRun>;
  /** Waits until `count` records are consumed; fails at once if the daemon exits first. */
  waitForConsumed(daemon: { readonly process: ManagedProcess }, count: number, options?: WaitOptions): Promise<void>;
}

/** The stand-ins started now: streams created, lease tables pre-created. */
export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const env = await startStandIns({
    streams: options.streams.map((s) => ({ name: s.name, shards: s.shards })),
    leaseTables: options.streams.map((s) => ({ applicationName: s.app, streamName: s.name })),
  });
  return scenarioOn(env, options);
}

/**
 * The stand-ins started in this file's `beforeAll` and every process stopped in its
 * `afterAll`. Call it in a `describe` body; the handle's members work inside the tests.
 */
export function useScenario(options: ScenarioOptions): Scenario {
  let started: Scenario | undefined;
  const get = (): Scenario => {
    if (started === undefined) throw new Error('the scenario is used before its beforeAll ran (use it inside a test)');
    return started;
  };
  beforeAll(async () => {
    started = await startScenario(options);
  });
  afterAll(async () => {
    await stopAll();
  });
  return {
    get standIns() {
      return get().standIns;
    },
    get output() {
      return get().output;
    },
    events: () => get().events(),
    consumed: (run) => get().consumed(run),
    put: (records, stream) => get().put(records, stream),
    leases: (app) => get().leases(app),
    daemonOptions: (run, input) => get().daemonOptions(run, input),
    daemon: (run, input) => get().daemon(run, input),
    kclTsRun: (run, input) => get().kclTsRun(run, input),
    waitForConsumed: (daemon, count, wait) => get().waitForConsumed(daemon, count, wait),
  };
}

/**
 * `waitFor`, but failing at once, with the process's last lines, when `proc` exits
 * before the condition holds (a probe that throws would be retried to the deadline).
 */
export async function waitWhileRunning<T>(
  proc: ManagedProcess,
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const exited = Symbol('exited');
  const value = await waitFor<T | typeof exited>(what, () => (proc.running ? probe() : exited), timeoutMs, intervalMs);
  if (value === exited) throw new Error(`${proc.name} exited while waiting for ${what}: ${proc.tail(30)}`);
  return value;
}

function scenarioOn(env: StandIns, options: ScenarioOptions): Scenario {
  const output = path.join(env.workDir, 'consumed.jsonl');
  const stream = (name: string | undefined): ScenarioStream => {
    if (name === undefined) {
      if (options.streams.length !== 1) throw new Error(`this scenario has ${options.streams.length} streams: name one`);
      return options.streams[0]!;
    }
    const found = options.streams.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no stream ${name} in this scenario (it has ${options.streams.map((s) => s.name).join(', ')})`);
    return found;
  };
  const daemonOptions = (run: string, input: DaemonInput = {}): DaemonOptions => {
    const s = stream(input.stream);
    return scenarioDaemon(env, {
      name: input.name ?? `daemon-${run}`,
      streamName: s.name,
      applicationName: s.app,
      processor: input.processor ?? options.processor ?? RECORDING_PROCESSOR,
      ...(input.executableName !== undefined ? { executableName: input.executableName } : {}),
      ...(input.workerId !== undefined ? { workerId: input.workerId } : {}),
      ...(input.properties !== undefined ? { properties: { ...input.properties } } : {}),
      env: { E2E_OUTPUT: input.output ?? output, E2E_RUN: run, ...input.env },
    });
  };
  const events = () => readEvents(output);
  return {
    standIns: env,
    output,
    events,
    consumed: (run) => consumedRecords(events(), run),
    put: (records, name) => putRecords(env.kinesis.client, stream(name).name, records),
    leases: (app) => readLeaseMap(env.dynamo.client, app ?? stream(undefined).app),
    daemonOptions,
    daemon: (run, input) => startKclDaemon(daemonOptions(run, input)),
    kclTsRun: (run, input) => startKclTsRun(daemonOptions(run, input)),
    async waitForConsumed(daemon, count, wait = {}) {
      const what = wait.what ?? `${count} records consumed${wait.run !== undefined ? ` by run ${wait.run}` : ''}`;
      await waitWhileRunning(daemon.process, what, () => consumedRecords(events(), wait.run).length >= count, wait.timeoutMs ?? 120_000, wait.intervalMs ?? 250);
    },
  };
}
