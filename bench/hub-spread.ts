/**
 * How evenly `kcl-ts run --hubs N` spreads a worker's leases over its hubs, with the real
 * daemon on the local stand-ins: per round, a fresh S-shard stream, `kcl-ts run --hubs N`
 * until every lease is initialized, then it prints the leases each hub got (the forwarder's
 * turns) beside what `pid % N` over the same forwarders' pids would have given, and the
 * pid gaps between consecutive forwarders (the JVM's own threads take pids in between).
 *
 *   npx tsx bench/hub-spread.ts [--shards 8] [--hubs 4] [--rounds 2]
 *
 * Needs Java and the built forwarder (npm run build); downloads the jars on first use.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readEvents } from '../test/harness/consumed.js';
import { DAEMON_JVM_OPTIONS, fastProperties, propertiesText, REPO_ROOT, startStandIns } from '../test/harness/kcl.js';
import { adoptProcessGroup, childPids, spawnManaged, stopAll, waitFor } from '../test/harness/processes.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1`);
  return value;
}
const SHARDS = option('--shards', 8);
const HUBS = option('--hubs', 4);
const ROUNDS = option('--rounds', 2);
const LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const APP = `${process.execPath} --import ${LOADER} ${path.join(REPO_ROOT, 'test/e2e/processors/recording-hub.ts')}`;

const perHub = (hubOfLease: number[]): string => Array.from({ length: HUBS }, (_, h) => hubOfLease.filter((x) => x === h).length).join('/');

const streams = Array.from({ length: ROUNDS }, (_, r) => ({ name: `spread-${r + 1}`, shards: SHARDS }));
const env = await startStandIns({ streams, leaseTables: streams.map((s) => ({ applicationName: `${s.name}-app`, streamName: s.name })) });
try {
  for (const [r, stream] of streams.entries()) {
    const file = path.join(env.workDir, `${stream.name}.properties`);
    const props = fastProperties({
      streamName: stream.name,
      applicationName: `${stream.name}-app`,
      kinesisEndpoint: env.kinesis.endpoint,
      dynamoDBEndpoint: env.dynamo.endpoint,
      executableName: APP,
      workerId: 'w',
    });
    writeFileSync(file, propertiesText({ ...props, shutdownGraceMillis: 5000 }));
    const out = path.join(env.workDir, `${stream.name}.jsonl`);
    const cli = path.join(REPO_ROOT, 'test/harness/kcl-ts-cli.ts');
    const args = ['--import', LOADER, cli, 'run', '--hubs', String(HUBS), '-p', file, '--jar-dir', env.kclJarDir, ...DAEMON_JVM_OPTIONS.map((o) => `--java-opt=${o}`)];
    const proc = spawnManaged(stream.name, process.execPath, args, {
      cwd: env.workDir,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1', E2E_OUTPUT: out, NODE_NO_WARNINGS: '1' },
    });
    const line = await proc.waitForLine(/waiting for their sockets/, 60_000);
    const hubs = /\(pid ([\d, ]+)\)/.exec(line)![1]!.split(', ').map(Number);
    for (const pid of hubs) adoptProcessGroup(pid);
    await waitFor(`${SHARDS} leases initialized`, () => readEvents(out).filter((e) => e.ev === 'initialize').length >= SHARDS, 180_000, 200);
    const jvm = childPids(proc.pid).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').includes('java'))!;
    adoptProcessGroup(jvm);
    const forwarders = childPids(jvm)
      .filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('kcl-ts-forwarder'))
      .sort((a, b) => a - b);
    const served = readEvents(out)
      .filter((e) => e.ev === 'initialize')
      .map((e) => hubs.indexOf(e.pid));
    console.log(
      `round ${r + 1}: ${SHARDS} leases on ${HUBS} hubs: turns ${perHub(served)}, pid % ${HUBS} would give ${perHub(forwarders.map((p) => p % HUBS))}; ` +
        `forwarder pid gaps ${forwarders.slice(1).map((p, i) => p - forwarders[i]!).join(' ')}`,
    );
    proc.signal('SIGTERM');
    await proc.waitForExit(60_000);
  }
} finally {
  await stopAll();
}
