/**
 * `npm run demo`: the whole thing on this machine, no AWS account needed.
 *
 *   1. builds kcl-ts if dist/ is missing or older than src/ (the sample imports 'kcl-ts'),
 *   2. fetches the KCL and DynamoDB Local jars (first run only, verified against the locks),
 *   3. starts kinesis-local and DynamoDB Local on free loopback ports,
 *   4. creates a 4-shard stream and its lease table, produces records with the AWS SDK,
 *   5. runs the real KCL MultiLangDaemon with examples/sample-consumer.ts as the child,
 *   6. shows produced/consumed per shard while it runs, checks every record arrived,
 *   7. stops the daemon gracefully (SIGTERM; shutdownGraceMillis lets each child
 *      checkpoint in shutdownRequested), shows the lease table, and stops everything.
 *
 * Options: --records N (default 3000), --shards N (default 4), --rate N records/s
 * (default 200), --timeout S (default 180), --keep (keep the work directory),
 * --verbose (echo the daemon's log), --record DIR (run each child under `kcl-ts record`,
 * writing a transcript per shard lease into DIR).
 * Ctrl-C once: graceful stop; twice: kill everything now. Exit status 0 only when every
 * record arrived.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dynamoDbJarDir, kclJarDir } from '../test/harness/artifacts.js';
import { createLeaseTable, readLeases, startDynamoDbLocal } from '../test/harness/dynamodb.js';
import { fastProperties, REPO_ROOT, startKclDaemon, tsxExecutable, type KclDaemon } from '../test/harness/kcl.js';
import { compareSequenceNumbers, listShards, putRecords, startKinesisLocal, type PutResult } from '../test/harness/kinesis.js';
import { killAllSync, leaveSignalsToCaller, sleep, stopAll } from '../test/harness/processes.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '3000' },
    shards: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    timeout: { type: 'string', default: '180' },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    record: { type: 'string' },
  },
});
const RECORDS = Number(args.records);
const SHARDS = Number(args.shards);
const RATE = Number(args.rate);
const TIMEOUT_MS = Number(args.timeout) * 1000;
for (const [name, v] of [['records', RECORDS], ['shards', SHARDS], ['rate', RATE], ['timeout', TIMEOUT_MS]] as const) {
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`demo: --${name} must be a positive integer\n`);
    process.exit(2);
  }
}

/** The sample consumer, optionally behind the transcript recorder (the daemon splits on spaces). */
function childCommand(): string {
  const child = tsxExecutable('examples/sample-consumer.ts');
  if (args.record === undefined) return child;
  const out = path.resolve(args.record);
  if (/\s/.test(out)) throw new Error(`--record: the daemon splits executableName on spaces: ${out}`);
  return `${process.execPath} ${path.join(REPO_ROOT, 'bin', 'kcl-ts.js')} record --out ${out} -- ${child}`;
}

const STREAM = 'kcl-ts-demo';
const APP = 'kcl-ts-demo-app';
const tty = process.stderr.isTTY;
const t0 = Date.now();
const say = (msg: string): void => {
  process.stderr.write(`${tty ? '\r\x1b[K' : ''}[demo +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
};

// --- signals: first Ctrl-C → graceful stop, second → kill everything
leaveSignalsToCaller();
let interrupted = false;
let interruptedAt = 0;
let daemon: KclDaemon | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    // Ctrl-C reaches npm, tsx and us at once, and tsx relays it: one press can arrive
    // twice. Only a signal a second later counts as "again".
    if (interrupted && Date.now() - interruptedAt < 1000) return;
    if (interrupted) {
      say(`${sig} again: killing everything`);
      killAllSync();
      process.exit(130);
    }
    interrupted = true;
    interruptedAt = Date.now();
    say(`${sig}: stopping gracefully (again to kill everything)`);
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const entry = path.join(REPO_ROOT, 'dist', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'src'))) return;
  say('building kcl-ts (npm run build): the sample consumer imports the package');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

interface SampleLine {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string;
  data: string;
}

function readConsumed(file: string): SampleLine[] {
  if (!existsSync(file)) return [];
  const out: SampleLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as SampleLine);
    } catch {
      /* a line being written right now */
    }
  }
  return out;
}

function progressTable(shardIds: string[], produced: PutResult[], consumed: SampleLine[]): string {
  const p = new Map<string, number>();
  const c = new Map<string, number>();
  for (const r of produced) p.set(r.shardId, (p.get(r.shardId) ?? 0) + 1);
  for (const r of consumed) c.set(r.shardId, (c.get(r.shardId) ?? 0) + 1);
  const cells = shardIds.map((s) => `${s.replace('shardId-', '#').replace(/^#0+(?=\d)/, '#')} ${c.get(s) ?? 0}/${p.get(s) ?? 0}`);
  return `consumed/produced per shard: ${cells.join('  ')}  total ${consumed.length}/${produced.length}`;
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-demo-'));
  const output = path.join(workDir, 'consumed.jsonl');
  say(`work directory ${workDir}`);
  ensureBuilt();

  say('jars: KCL multilang 3.1.3 and DynamoDB Local 3.3.1 (downloaded and verified on first use)');
  const [kclDir, ddbDir] = await Promise.all([kclJarDir(), dynamoDbJarDir()]);

  const [kinesis, dynamo] = await Promise.all([
    startKinesisLocal({ streams: [{ name: STREAM, shards: SHARDS }], logFile: path.join(workDir, 'kinesis-local.log') }),
    startDynamoDbLocal({ jarDir: ddbDir, logFile: path.join(workDir, 'dynamodb-local.log') }),
  ]);
  say(`kinesis-local on ${kinesis.endpoint}, DynamoDB Local on ${dynamo.endpoint}`);
  const shards = await listShards(kinesis.client, STREAM);
  const shardIds = shards.map((s) => s.ShardId!);
  // One unowned lease per shard: with skipShardSyncAtWorkerInitializationIfLeasesExist the
  // daemon starts in ~9 s instead of 30–130 s.
  await createLeaseTable(dynamo.client, APP, shards);
  say(`stream ${STREAM} with ${SHARDS} shards, lease table ${APP} pre-created`);

  daemon = startKclDaemon({
    name: 'multilang-daemon',
    jarDir: kclDir,
    workDir,
    properties: {
      ...fastProperties({
        streamName: STREAM,
        applicationName: APP,
        kinesisEndpoint: kinesis.endpoint,
        dynamoDBEndpoint: dynamo.endpoint,
        executableName: childCommand(),
        workerId: 'demo-worker',
      }),
      shutdownGraceMillis: 30_000,
    },
    env: { SAMPLE_OUTPUT: output, KCL_LOG_LEVEL: 'warn' },
    echo: args.verbose,
  });
  const daemonStart = Date.now();
  say(`MultiLangDaemon started (pid ${daemon.process.pid}); log: ${daemon.logFile}`);

  // produce in the background at --rate records/s
  const produced: PutResult[] = [];
  let produceError: unknown;
  const producing = (async () => {
    const batch = Math.max(1, Math.min(500, Math.round(RATE / 10)));
    for (let i = 0; i < RECORDS && !interrupted; i += batch) {
      const n = Math.min(batch, RECORDS - i);
      const started = Date.now();
      const records = Array.from({ length: n }, (_, k) => ({
        data: JSON.stringify({ order: i + k, amount: ((i + k) * 37) % 1000, at: new Date().toISOString() }),
        partitionKey: `customer-${(i + k) % 50}`,
      }));
      produced.push(...(await putRecords(kinesis.client, STREAM, records)).records);
      await sleep(Math.max(0, (n / RATE) * 1000 - (Date.now() - started)));
    }
  })().catch((err: unknown) => {
    produceError = err;
  });

  // live progress until every record arrived
  let firstRecordAt: number | undefined;
  let lastLine = '';
  const deadline = Date.now() + TIMEOUT_MS;
  let consumed: SampleLine[] = [];
  for (;;) {
    await sleep(500);
    consumed = readConsumed(output);
    if (firstRecordAt === undefined && consumed.length > 0) {
      firstRecordAt = Date.now();
      say(`first record consumed ${((firstRecordAt - daemonStart) / 1000).toFixed(1)} s after the daemon started`);
    }
    const line = progressTable(shardIds, produced, consumed);
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (line !== lastLine) say(line);
    lastLine = line;
    if (produceError) throw produceError;
    if (!daemon.process.running) throw new Error(`the daemon exited early (${JSON.stringify(daemon.process.exitInfo)}); see ${daemon.logFile}`);
    const seen = new Set(consumed.map((r) => r.data));
    if (produced.length >= RECORDS && produced.every((r) => seen.has(r.data))) break;
    if (interrupted) break;
    if (Date.now() > deadline) {
      say(`timed out after ${TIMEOUT_MS / 1000} s`);
      break;
    }
  }
  await producing;
  if (tty) process.stderr.write('\n');
  const allConsumedAt = Date.now();

  say('stopping the daemon: SIGTERM to the JVM (the children get shutdownRequested and checkpoint)');
  const stopped = await daemon.stopGracefully(45_000);
  say(`daemon exited after ${(stopped.tookMs / 1000).toFixed(1)} s (code ${stopped.code}${stopped.signal ? `, ${stopped.signal}` : ''})`);

  consumed = readConsumed(output);
  const seen = new Map<string, number>();
  for (const r of consumed) seen.set(r.data, (seen.get(r.data) ?? 0) + 1);
  const missing = produced.filter((r) => !seen.has(r.data));
  const dupes = [...seen.values()].filter((n) => n > 1).length;
  const leases = await readLeases(dynamo.client, APP);
  const lastPerShard = new Map<string, string>();
  for (const r of consumed) {
    const prev = lastPerShard.get(r.shardId);
    if (prev === undefined || compareSequenceNumbers(prev, r.sequenceNumber) < 0) lastPerShard.set(r.shardId, r.sequenceNumber);
  }

  const lines = [
    '',
    '──────── summary ────────',
    `records produced     ${produced.length}`,
    `records consumed     ${consumed.length} (${seen.size} distinct, ${dupes} delivered more than once)`,
    `missing              ${missing.length}`,
    `daemon start → first record   ${firstRecordAt ? ((firstRecordAt - daemonStart) / 1000).toFixed(1) : '-'} s`,
    `daemon start → all consumed   ${((allConsumedAt - daemonStart) / 1000).toFixed(1)} s`,
    `graceful stop                 ${(stopped.tookMs / 1000).toFixed(1)} s`,
    'lease table (checkpoint = last record consumed on the shard?):',
    ...leases.map((l) => {
      const last = lastPerShard.get(l.leaseKey);
      const ok = last !== undefined && l.checkpoint === last;
      return `  ${l.leaseKey}  owner ${l.leaseOwner ?? '-'}  checkpoint ${l.checkpoint}  ${ok ? '✓' : `✗ (last consumed ${last ?? '-'})`}`;
    }),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const ok = !interrupted && missing.length === 0 && produced.length === RECORDS;
  say(ok ? 'every record arrived' : `NOT every record arrived (${missing.length} missing${interrupted ? ', interrupted' : ''})`);
  await stopAll();
  if (!args.keep && ok) rmSync(workDir, { recursive: true, force: true });
  else say(`logs kept in ${workDir}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    if (daemon) process.stderr.write(`--- daemon log tail ---\n${daemon.process.tail(20)}\n`);
    await stopAll({ timeoutMs: 3000 }).catch(() => killAllSync());
    process.exit(1);
  },
);
