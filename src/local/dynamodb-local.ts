/**
 * The DynamoDB stand-in: DynamoDB Local (a JVM) on a free port, its jars locked,
 * SHA-256-verified and cached like the daemon's (the host's fetcher and the lock in
 * src/host/locks/).
 *
 * DynamoDB Local has no option to choose the interface: it listens on every interface
 * (only ever contacted at 127.0.0.1 here). It runs with `-sharedDb` so every
 * credential and region sees the same tables, and `-disableTelemetry`.
 */
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbLocalLock } from '../host/jars/bundled.js';
import { ensureArtifacts, type EnsureOptions } from '../host/jars/ensure.js';
import { dynamoDbHandle, localTarget, type DynamoDbHandle } from './clients.js';
import { freePort } from './ports.js';
import { untilReady, type Spawner, type StandInProcess } from './process.js';
import type { DynamoDbSdk, HttpHandlerSdk } from './sdk.js';

/** Small and quick to start: DynamoDB Local needs little for a dev loop. */
export const DEFAULT_SMALL_JVM_OPTIONS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto'];

/** The directory with DynamoDB Local 3.3.1's jars and native libraries, fetched on first use. */
export function dynamoDbLocalJars(options: EnsureOptions = {}): Promise<string> {
  return ensureArtifacts(dynamoDbLocalLock(), options);
}

export function javaExecutable(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env['JAVA_HOME']) return path.join(process.env['JAVA_HOME'], 'bin', 'java');
  return 'java';
}

export interface DynamoDbLocalOptions<P extends StandInProcess> {
  sdk: DynamoDbSdk;
  http: HttpHandlerSdk;
  spawn: Spawner<P>;
  /** Directory holding DynamoDB Local's jars and its sqlite4java native library. */
  jarDir: string;
  port?: number;
  /** Persist tables in this directory (`-sharedDb -dbPath DIR`) instead of `-inMemory`. */
  persistDir?: string;
  /** `java` executable (default `$JAVA_HOME/bin/java`, else `java` on PATH). */
  java?: string;
  jvmOptions?: string[];
  logFile?: string;
  echo?: boolean;
  /** Default 60 s. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal<P extends StandInProcess> {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  handle: DynamoDbHandle;
  process: P;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal<P extends StandInProcess>(options: DynamoDbLocalOptions<P>): Promise<DynamoDbLocal<P>> {
  const port = options.port ?? (await freePort());
  const storage = options.persistDir ? ['-sharedDb', '-dbPath', options.persistDir] : ['-inMemory', '-sharedDb'];
  const args = [
    ...(options.jvmOptions ?? DEFAULT_SMALL_JVM_OPTIONS),
    `-Djava.library.path=${options.jarDir}`,
    '-cp',
    `${options.jarDir}/*`,
    'software.amazon.dynamodb.services.local.main.ServerRunner',
    ...storage,
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const proc = options.spawn(`dynamodb-local:${port}`, javaExecutable(options.java), args, {
    cwd: options.persistDir ?? options.jarDir,
    ...(options.logFile !== undefined ? { logFile: options.logFile } : {}),
    ...(options.echo !== undefined ? { echo: options.echo } : {}),
    stopTimeoutMs: 5000,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const handle = dynamoDbHandle(options.sdk, options.http, localTarget(endpoint));
  proc.beforeStop(() => handle.client.destroy());
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  await untilReady(proc, `DynamoDB Local on ${endpoint}`, () => handle.client.send(new options.sdk.ListTablesCommand({})), timeoutMs);
  return { endpoint, port, client: handle.client, handle, process: proc, stop };
}
