/**
 * The Kinesis stand-in: npm `kinesis-local` (kinesis-mock compiled to JS), plain HTTP on
 * a free loopback port.
 *
 * Notes (see PROTOCOL.md):
 * - `KINESIS_MOCK_CERT_PATH` must point at the package's `server.json` even for HTTP.
 * - The daemon's HTTP/2 client works on the plain-HTTP port; the HTTPS port fails.
 * - kinesis-local binds 0.0.0.0 with no option to change it, so it runs behind a small
 *   preload (LOOPBACK_PRELOAD) that makes a host-less `listen()` bind 127.0.0.1.
 */
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisHandle, localTarget, type KinesisHandle } from './clients.js';
import { freePort } from './ports.js';
import { untilReady, type Spawner, type StandInProcess } from './process.js';
import type { HttpHandlerSdk, KinesisSdk } from './sdk.js';
import { createStream } from './stream.js';

/**
 * Run with `node -e` before kinesis-local's main.js (which starts its server on load):
 * a listen() without a host, or on every interface, gets 127.0.0.1 instead, so the
 * stand-in is reachable from this machine only.
 */
export const LOOPBACK_PRELOAD = `/* kcl-ts: kinesis-local on 127.0.0.1 only */ 'use strict';
const net = require('node:net');
const original = net.Server.prototype.listen;
const HOST = '127.0.0.1';
net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, HOST);
    else if (args[1] === '0.0.0.0' || args[1] === '::') args[1] = HOST;
  } else if (first && typeof first === 'object' && !Array.isArray(first) && first.path === undefined && first.fd === undefined && first._handle === undefined) {
    if (first.host === undefined || first.host === '0.0.0.0' || first.host === '::') args[0] = { ...first, host: HOST };
  }
  return original.apply(this, args);
};
`;

export interface StreamSpec {
  name: string;
  shards: number;
}

export interface KinesisLocalOptions<P extends StandInProcess> {
  sdk: KinesisSdk;
  http: HttpHandlerSdk;
  /** kinesis-local's main.js (see sdk.ts). */
  main: string;
  spawn: Spawner<P>;
  /** Plain-HTTP port (default: a free one). */
  port?: number;
  /** Streams to create (and wait ACTIVE) once the server answers. */
  streams?: StreamSpec[];
  /** Keep data across restarts in this directory (`SHOULD_PERSIST_DATA`, `PERSIST_PATH`). */
  persistDir?: string;
  /** kinesis-mock's `LOG_LEVEL` (default WARN). */
  logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
  logFile?: string;
  echo?: boolean;
  /** Extra environment (e.g. SPLIT_SHARD_DURATION). */
  env?: Record<string, string>;
  /** Default 60 s. */
  startTimeoutMs?: number;
}

export interface KinesisLocal<P extends StandInProcess> {
  endpoint: string;
  port: number;
  client: KinesisClient;
  handle: KinesisHandle;
  process: P;
  stop(): Promise<void>;
}

export async function startKinesisLocal<P extends StandInProcess>(options: KinesisLocalOptions<P>): Promise<KinesisLocal<P>> {
  const port = options.port ?? (await freePort());
  const tlsPort = await freePort();
  const dir = path.dirname(options.main);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    LOG_LEVEL: options.logLevel ?? 'WARN',
    ...(options.persistDir
      ? { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: options.persistDir }
      : { SHOULD_PERSIST_DATA: 'false', LOAD_DATA_IF_EXISTS: 'false' }),
    ...options.env,
  };
  const script = `${LOOPBACK_PRELOAD}\nrequire(${JSON.stringify(options.main)});\n`;
  const proc = options.spawn(`kinesis-local:${port}`, process.execPath, ['-e', script], {
    env,
    cwd: options.persistDir ?? dir,
    ...(options.logFile !== undefined ? { logFile: options.logFile } : {}),
    ...(options.echo !== undefined ? { echo: options.echo } : {}),
    stopTimeoutMs: 3000,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const handle = kinesisHandle(options.sdk, options.http, localTarget(endpoint));
  // kinesis-local waits for open keep-alive connections before it exits on SIGTERM.
  proc.beforeStop(() => handle.client.destroy());
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  await untilReady(proc, `kinesis-local on ${endpoint}`, () => handle.client.send(new options.sdk.ListStreamsCommand({})), options.startTimeoutMs ?? 60_000);
  try {
    for (const stream of options.streams ?? []) await createStream(handle, stream.name, stream.shards);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, client: handle.client, handle, process: proc, stop };
}
