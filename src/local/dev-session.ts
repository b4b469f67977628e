/**
 * What `kcl-ts dev` starts and stops: the stand-ins (kinesis-local, DynamoDB Local) with
 * the stream and its lease table, and the real MultiLangDaemon on the temporary
 * properties. Each runs in a process group of its own (process.ts).
 */
import path from 'node:path';
import { daemonCommand, prepareDaemon, type PreparedDaemon } from '../host/launch.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './clients.js';
import { dynamoDbLocalJars, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { startKinesisLocal, type KinesisLocal } from './kinesis-local.js';
import { createLeaseTable } from './lease-table.js';
import { spawnLocal, type ExitInfo, type LocalProcess } from './process.js';
import type { LocalSdk } from './sdk.js';
import { createStream, listShards } from './stream.js';

/** A small, quick-starting JVM: the daemon needs little for a dev loop. */
export const DEV_JVM_OPTIONS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

export interface StandIns {
  kinesis: KinesisLocal<LocalProcess>;
  dynamo: DynamoDbLocal<LocalProcess>;
  prepared: PreparedDaemon;
  shardIds: string[];
  stop(): Promise<void>;
}

export interface StandInsInput {
  sdk: LocalSdk;
  workDir: string;
  env: NodeJS.ProcessEnv;
  streamName: string;
  applicationName: string;
  shards: number;
  echo: boolean;
  log: (message: string) => void;
}

/**
 * Java and the jars (both locked and cached; downloaded the first time), kinesis-local
 * meanwhile, then DynamoDB Local; the stream, and one unowned lease per shard so the
 * daemon starts in seconds.
 */
export async function startStandIns(input: StandInsInput): Promise<StandIns> {
  const main = input.sdk.kinesisLocalMain;
  if (main === undefined) throw new Error('kinesis-local was not loaded');
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  };
  const kinesisP = startKinesisLocal({
    sdk: input.sdk.kinesis,
    http: input.sdk.http,
    main,
    spawn: spawnLocal,
    logFile: path.join(input.workDir, 'kinesis-local.log'),
    echo: input.echo,
  }).then((k) => {
    started.push(k);
    return k;
  });
  const log = (m: string): void => input.log(m);
  try {
    const [prepared, ddbJars, kinesis] = await Promise.all([
      prepareDaemon({ env: input.env, log }),
      dynamoDbLocalJars({ log }),
      kinesisP,
    ]);
    const dynamo = await startDynamoDbLocal({
      sdk: input.sdk.dynamodb,
      http: input.sdk.http,
      spawn: spawnLocal,
      jarDir: ddbJars,
      java: prepared.java.path,
      logFile: path.join(input.workDir, 'dynamodb-local.log'),
      echo: input.echo,
    });
    started.push(dynamo);
    await createStream(kinesis.handle, input.streamName, input.shards);
    const shards = await listShards(kinesis.handle, input.streamName);
    await createLeaseTable(dynamo.handle, input.applicationName, shards);
    return { kinesis, dynamo, prepared, shardIds: shards.map((s) => s.ShardId!), stop: stopAll };
  } catch (err) {
    // kinesis-local may still be starting when something else failed
    await kinesisP.catch(() => undefined);
    await stopAll();
    throw err;
  }
}

export interface DevDaemon {
  process: LocalProcess;
  startedAt: number;
  logFile: string;
  /** SIGTERM to the JVM alone (it drives its children's shutdown), then the group killed after `timeoutMs`. */
  stopGracefully(timeoutMs: number): Promise<{ tookMs: number; exit: ExitInfo; graceful: boolean }>;
}

/** The daemon on the temporary properties, with local credentials, from the project directory. */
export function startDevDaemon(input: {
  prepared: PreparedDaemon;
  propertiesFile: string;
  projectDir: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  echo: boolean;
}): DevDaemon {
  const env: NodeJS.ProcessEnv = {
    ...input.env,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
  };
  // A session token of real credentials would be sent along with the local ones.
  delete env['AWS_SESSION_TOKEN'];
  const cmd = daemonCommand({
    propertiesFile: input.propertiesFile,
    javaPath: input.prepared.java.path,
    jarDir: input.prepared.jarDir,
    javaOptions: DEV_JVM_OPTIONS,
    env,
  });
  const logFile = path.join(input.workDir, 'daemon.log');
  const proc = spawnLocal('daemon', cmd.command, cmd.args, { cwd: input.projectDir, env: cmd.env, logFile, echo: input.echo });
  return {
    process: proc,
    startedAt: Date.now(),
    logFile,
    async stopGracefully(timeoutMs) {
      const start = Date.now();
      proc.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      const result = await Promise.race([proc.exited, late]);
      clearTimeout(timer);
      // Whatever is left of the group (a child that did not exit) goes too.
      const exit = await proc.stop({ timeoutMs: 2000 });
      return { tookMs: Date.now() - start, exit, graceful: result !== 'late' };
    },
  };
}
