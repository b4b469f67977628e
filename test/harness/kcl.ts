/**
 * The real MultiLangDaemon (KCL 3.1.3) under test: properties with short timings, a
 * launcher that registers the JVM with the process registry, and the pieces every
 * end-to-end scenario needs (stand-ins + stream + pre-created lease table).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoDbJarDir, kclJarDir } from './artifacts.js';
import { createLeaseTable, javaExecutable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { listShards, startKinesisLocal, type KinesisLocal } from './kinesis.js';
import { waitForDaemonJvm } from './process-tree.js';
import { adoptProcessGroup, groupAlive, sleep, spawnManaged, type ManagedProcess } from './processes.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DAEMON_MAIN_CLASS = 'software.amazon.kinesis.multilang.MultiLangDaemon';
/** Small and quick-starting; the daemon needs little. */
export const DAEMON_JVM_OPTIONS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

export type PropertyValue = string | number | boolean;

export interface FastPropertiesInput {
  streamName: string;
  applicationName: string;
  kinesisEndpoint: string;
  dynamoDBEndpoint: string;
  executableName: string;
  workerId?: string;
}

/**
 * Properties that worked against the stand-ins (PROTOCOL.md), with the timings cut so
 * start-up, fail-over and resharding happen within seconds.
 */
export function fastProperties(input: FastPropertiesInput): Record<string, PropertyValue> {
  return {
    executableName: input.executableName,
    streamName: input.streamName,
    applicationName: input.applicationName,
    AwsCredentialsProvider: 'DefaultCredentialsProvider',
    regionName: 'us-east-1',
    initialPositionInStream: 'TRIM_HORIZON',
    kinesisEndpoint: input.kinesisEndpoint,
    dynamoDBEndpoint: input.dynamoDBEndpoint,
    metricsLevel: 'NONE',
    retrievalMode: 'POLLING',
    idleTimeBetweenReadsInMillis: 250,
    shutdownGraceMillis: 20_000,
    shardSyncIntervalMillis: 2000,
    failoverTimeMillis: 5000,
    leaseAssignmentIntervalMillis: 2000,
    workerMetricsReporterFreqInMillis: 2000,
    skipShardSyncAtWorkerInitializationIfLeasesExist: true,
    ...(input.workerId ? { workerId: input.workerId } : {}),
  };
}

export function propertiesText(properties: Record<string, PropertyValue>): string {
  return `${Object.entries(properties)
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join('\n')}\n`;
}

/** `executableName` for a TypeScript child run with this repository's tsx. */
export function tsxExecutable(script: string): string {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const abs = path.resolve(REPO_ROOT, script);
  if (/\s/.test(tsx) || /\s/.test(abs)) {
    throw new Error(`executableName is split on spaces by the daemon: ${tsx} ${abs}`);
  }
  return `${tsx} ${abs}`;
}

export interface DaemonOptions {
  /** A label for logs and errors. */
  name: string;
  jarDir: string;
  /** Where the properties file and the daemon's log go. */
  workDir: string;
  properties: Record<string, PropertyValue>;
  /** Extra environment for the daemon (and so its children). */
  env?: Record<string, string>;
  echo?: boolean;
  jvmOptions?: string[];
  /** `startKclTsRun` only: where the jars come from, instead of `--jar-dir <jarDir>` (e.g. `--lock F`). */
  jarArgs?: string[];
}

export interface KclDaemon {
  name: string;
  process: ManagedProcess;
  propertiesFile: string;
  logFile: string;
  /** SIGTERM to the JVM alone (not its group), then wait for it to exit. */
  stopGracefully(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; tookMs: number }>;
  /** SIGKILL the JVM and every child. */
  kill(): Promise<void>;
}

/** The environment any launch of the daemon (java, or kcl-ts run) needs on the stand-ins, `extra` over it. */
export function daemonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    // The children are Node processes: keep the SDK's Node-version notice and colours out.
    NODE_NO_WARNINGS: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

/** Writes the properties file and builds the environment any launch of the daemon needs. */
function prepareDaemon(options: DaemonOptions): { propertiesFile: string; logFile: string; env: NodeJS.ProcessEnv } {
  mkdirSync(options.workDir, { recursive: true });
  const propertiesFile = path.join(options.workDir, `${options.name}.properties`);
  const logFile = path.join(options.workDir, `${options.name}.log`);
  writeFileSync(propertiesFile, propertiesText(options.properties));
  return { propertiesFile, logFile, env: daemonEnv(options.env) };
}

export function startKclDaemon(options: DaemonOptions): KclDaemon {
  const { propertiesFile, logFile, env } = prepareDaemon(options);
  const proc = spawnManaged(
    options.name,
    javaExecutable(),
    [
      ...(options.jvmOptions ?? DAEMON_JVM_OPTIONS),
      '-cp',
      `${options.jarDir}/*`,
      DAEMON_MAIN_CLASS,
      '--properties-file',
      propertiesFile,
    ],
    { env, logFile, echo: options.echo, cwd: options.workDir },
  );
  return {
    name: options.name,
    process: proc,
    propertiesFile,
    logFile,
    async stopGracefully(timeoutMs = 60_000) {
      const start = Date.now();
      proc.signal('SIGTERM');
      try {
        const info = await proc.waitForExit(timeoutMs);
        return { ...info, tookMs: Date.now() - start };
      } finally {
        // whatever is left of the group (children that did not exit) goes too
        await proc.stop({ timeoutMs: 2000 });
      }
    },
    async kill() {
      await proc.stop({ signal: 'SIGKILL', timeoutMs: 2000 });
    },
  };
}

export interface KclTsRun extends KclDaemon {
  /** The JVM `kcl-ts run` started (in its own process group). */
  jvmPid: number;
  /** As `KclDaemon`'s, and whether the JVM's whole group had exited by itself before the harness's clean-up kill. */
  stopGracefully(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; tookMs: number; jvmGroupExited: boolean }>;
}

/**
 * The daemon through our CLI, `kcl-ts run -p <file> --jar-dir <dir>`, run from source
 * with tsx. The CLI starts the JVM in a process group of its own; that group is adopted
 * by the registry so it is killed on the way out like everything else.
 */
export async function startKclTsRun(options: DaemonOptions): Promise<KclTsRun> {
  const { propertiesFile, logFile, env } = prepareDaemon(options);
  const jvmOptions = (options.jvmOptions ?? DAEMON_JVM_OPTIONS).map((o) => `--java-opt=${o}`);
  const proc = spawnManaged(
    options.name,
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(REPO_ROOT, 'test', 'harness', 'kcl-ts-cli.ts'), 'run', '-p', propertiesFile, ...(options.jarArgs ?? ['--jar-dir', options.jarDir]), ...jvmOptions],
    { env, logFile, echo: options.echo, cwd: options.workDir },
  );
  // tsx runs the CLI in a child node process of its own; the JVM is a grandchild or deeper.
  const jvmPid = await waitForDaemonJvm(proc, `the JVM started by ${options.name}`, 30_000);
  const release = adoptProcessGroup(jvmPid);
  return {
    name: options.name,
    process: proc,
    propertiesFile,
    logFile,
    jvmPid,
    async stopGracefully(timeoutMs = 60_000) {
      const start = Date.now();
      proc.signal('SIGTERM');
      try {
        const info = await proc.waitForExit(timeoutMs);
        const deadline = Date.now() + 5000;
        while (groupAlive(jvmPid) && Date.now() < deadline) await sleep(50);
        return { ...info, tookMs: Date.now() - start, jvmGroupExited: !groupAlive(jvmPid) };
      } finally {
        await proc.stop({ timeoutMs: 2000 });
        try {
          process.kill(-jvmPid, 'SIGKILL');
        } catch {
          /* gone */
        }
        release();
      }
    },
    async kill() {
      try {
        process.kill(-jvmPid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await proc.stop({ signal: 'SIGKILL', timeoutMs: 2000 });
      release();
    },
  };
}

export interface StandIns {
  kinesis: KinesisLocal;
  dynamo: DynamoDbLocal;
  kclJarDir: string;
  workDir: string;
  stop(): Promise<void>;
}

export interface StandInsOptions {
  streams: { name: string; shards: number }[];
  /** Pre-create a lease table per `{ applicationName, streamName }` (fast start-up). */
  leaseTables?: { applicationName: string; streamName: string }[];
  workDir?: string;
  echo?: boolean;
}

export interface ScenarioDaemonInput {
  name: string;
  streamName: string;
  applicationName: string;
  /** The child, a TypeScript file run with tsx (repo-relative). */
  processor: string;
  /** The whole `executableName` instead of `processor` under tsx. */
  executableName?: string;
  /** Default `worker-1`. */
  workerId?: string;
  /** Added to (or overriding) `fastProperties`. */
  properties?: Record<string, PropertyValue>;
  env?: Record<string, string>;
}

/** Daemon options for a scenario on these stand-ins: fast timings, their endpoints, the processor as child. */
export function scenarioDaemon(standIns: StandIns, input: ScenarioDaemonInput): DaemonOptions {
  return {
    name: input.name,
    jarDir: standIns.kclJarDir,
    workDir: standIns.workDir,
    properties: {
      ...fastProperties({
        streamName: input.streamName,
        applicationName: input.applicationName,
        kinesisEndpoint: standIns.kinesis.endpoint,
        dynamoDBEndpoint: standIns.dynamo.endpoint,
        executableName: input.executableName ?? tsxExecutable(input.processor),
        workerId: input.workerId ?? 'worker-1',
      }),
      ...input.properties,
    },
    ...(input.env ? { env: input.env } : {}),
  };
}

/** kinesis-local + DynamoDB Local on free ports, streams created, lease tables pre-created. */
export async function startStandIns(options: StandInsOptions): Promise<StandIns> {
  const workDir = options.workDir ?? mkdtempSync(path.join(tmpdir(), 'kcl-ts-e2e-'));
  const [kclDir, ddbDir] = await Promise.all([kclJarDir(), dynamoDbJarDir()]);
  const [kinesis, dynamo] = await Promise.all([
    startKinesisLocal({ streams: options.streams, logFile: path.join(workDir, 'kinesis-local.log'), echo: options.echo }),
    startDynamoDbLocal({ jarDir: ddbDir, logFile: path.join(workDir, 'dynamodb-local.log'), echo: options.echo }),
  ]);
  for (const table of options.leaseTables ?? []) {
    await createLeaseTable(dynamo.client, table.applicationName, await listShards(kinesis.client, table.streamName));
  }
  return {
    kinesis,
    dynamo,
    kclJarDir: kclDir,
    workDir,
    async stop() {
      await Promise.all([kinesis.stop(), dynamo.stop()]);
    },
  };
}
