/**
 * `kcl-ts dev`: the user's processor under the real MultiLangDaemon against local
 * stand-ins, records produced, progress shown until every record is consumed, then a
 * graceful stop and a summary. The exit status is 0 only when every record arrived.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedProperties } from '../host/properties/parse.js';
import { devNames, devProperties, tapWords } from './dev-properties.js';
import { startDevDaemon, startStandIns, type DevDaemon, type StandIns } from './dev-session.js';
import { Interrupts } from './interrupts.js';
import { readLeases } from './lease-table.js';
import { Progress } from './progress.js';
import type { LocalSdk } from './sdk.js';
import { putRecords, type RecordToPut } from './stream.js';
import { summaryText, type Outcome, type Timings } from './summary.js';
import { Tally } from './tally.js';
import { TapEventReader } from './tap-events.js';
import { sleep } from './wait.js';

export interface DevOptions {
  sdk: LocalSdk;
  projectDir: string;
  /** The user's properties as read (and validated), and how to name the file. */
  parsed: ParsedProperties;
  propertiesShown: string;
  shards: number;
  records: RecordToPut[];
  /** Records per second. */
  rate: number;
  /** Seconds to wait, after the last record is put, for every record to arrive. */
  timeoutSeconds: number;
  keep: boolean;
  /** Also run each child under `kcl-ts record --out DIR`. */
  recordDir?: string | undefined;
  verbose: boolean;
  env: NodeJS.ProcessEnv;
}

export interface DevIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: the progress table is redrawn in place. */
  tty: boolean;
}

const POLL_MS = 250;
const LEASE_POLL_MS = 1000;

/** Words for `kcl-ts record --out DIR --` in front of the user's command. */
function recordWords(dir: string): string[] {
  // src/local/ and dist/local/ both sit two levels below the package's bin/.
  const bin = fileURLToPath(new URL('../../bin/kcl-ts.js', import.meta.url));
  return [process.execPath, bin, 'record', '--out', dir, '--'];
}

/** Put the records at `rate` per second, in batches of a tenth of a second's worth. */
async function produce(standIns: StandIns, stream: string, records: readonly RecordToPut[], rate: number, tally: Tally, stopped: () => boolean): Promise<void> {
  const batch = Math.max(1, Math.min(500, Math.round(rate / 10)));
  for (let i = 0; i < records.length && !stopped(); i += batch) {
    const started = Date.now();
    const slice = records.slice(i, i + batch);
    tally.addProduced((await putRecords(standIns.kinesis.handle, stream, slice)).records);
    await sleep(Math.max(0, (slice.length / rate) * 1000 - (Date.now() - started)));
  }
}

export async function runDev(options: DevOptions, io: DevIO): Promise<number> {
  const timings: Timings = { startedAt: Date.now() };
  const progress = new Progress({ write: io.stderr, tty: io.tty && !options.verbose });
  const say = (m: string): void => progress.say(m);
  const interrupts = new Interrupts(say);
  const workDir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-dev-'));
  const eventsDir = path.join(workDir, 'taps');
  mkdirSync(eventsDir);
  let standIns: StandIns | undefined;
  let daemon: DevDaemon | undefined;
  let ok = false;
  try {
    const tap = [...tapWords(eventsDir), ...(options.recordDir !== undefined ? recordWords(path.resolve(options.projectDir, options.recordDir)) : [])];
    const names = devNames(options.parsed, options.propertiesShown);
    say(`work directory ${workDir} (logs, the properties copy)`);
    standIns = await startStandIns({
      sdk: options.sdk,
      workDir,
      env: options.env,
      streamName: names.streamName,
      applicationName: names.applicationName,
      shards: options.shards,
      echo: options.verbose,
      log: say,
    });
    say(`kinesis-local on ${standIns.kinesis.endpoint}, DynamoDB Local on ${standIns.dynamo.endpoint}: stream ${names.streamName} (${options.shards} shards), lease table ${names.applicationName}`);
    const props = devProperties(options.parsed, options.propertiesShown, { kinesis: standIns.kinesis.endpoint, dynamodb: standIns.dynamo.endpoint }, tap);
    const propertiesFile = path.join(workDir, path.basename(options.propertiesShown));
    writeFileSync(propertiesFile, props.text, 'latin1');
    say(`${options.propertiesShown} copied to ${propertiesFile} with ${props.changes.join(', ')}`);

    daemon = startDevDaemon({ prepared: standIns.prepared, propertiesFile, projectDir: options.projectDir, workDir, env: options.env, echo: options.verbose });
    timings.daemonStartedAt = daemon.startedAt;
    say(`MultiLangDaemon started (Java ${standIns.prepared.java.version}), running "${props.executableName}" per shard; log: ${daemon.logFile}`);
    say('the first records usually reach the processor 10-30 s after the daemon starts (JVM start-up, lease assignment, the children)');

    const tally = new Tally(standIns.shardIds);
    let produceError: unknown;
    let producedAt: number | undefined;
    const producing = produce(standIns, props.streamName, options.records, options.rate, tally, () => interrupts.interrupted).then(
      () => (producedAt = Date.now()),
      (err: unknown) => (produceError = err),
    );
    const reader = new TapEventReader(eventsDir);
    let outcome: Outcome | undefined;
    let leasesAt = 0;
    let failuresShown = 0;
    while (outcome === undefined) {
      await Promise.race([sleep(POLL_MS), interrupts.next()]);
      tally.addEvents(reader.poll());
      if (Date.now() - leasesAt >= LEASE_POLL_MS) {
        leasesAt = Date.now();
        tally.setLeases(await readLeases(standIns.dynamo.handle, props.applicationName).catch(() => []));
      }
      if (timings.firstConsumedAt === undefined && tally.firstConsumedAt !== undefined) {
        timings.firstConsumedAt = tally.firstConsumedAt;
        say(`first record through the processor ${((tally.firstConsumedAt - timings.startedAt) / 1000).toFixed(1)} s after start`);
      }
      for (const f of tally.failures.slice(failuresShown)) say(`a processor failed (${f}); see ${daemon.logFile}`);
      failuresShown = tally.failures.length;
      const note = timings.firstConsumedAt === undefined ? 'waiting for the first record through the processor' : producedAt === undefined ? 'producing' : 'consuming';
      if (tally.totalProduced > 0) progress.update(tally.counts(), false, note);
      if (produceError !== undefined) throw produceError;
      if (tally.allConsumed(options.records.length)) {
        timings.allConsumedAt = Date.now();
        outcome = 'all-arrived';
      } else if (interrupts.interrupted) outcome = 'interrupted';
      else if (!daemon.process.running) outcome = 'daemon-exited';
      else if (producedAt !== undefined && Date.now() - producedAt > options.timeoutSeconds * 1000) outcome = 'timed-out';
    }
    await producing;
    progress.update(tally.counts(), true, outcome === 'all-arrived' ? 'every record consumed' : '');
    progress.done();
    if (outcome === 'daemon-exited') say(`the daemon exited (${JSON.stringify(daemon.process.exitInfo)}); its last lines:\n${daemon.process.tail(15)}`);
    if (outcome === 'timed-out') say(`not every record arrived ${options.timeoutSeconds} s after the last was put (--timeout)`);

    say('stopping the daemon: SIGTERM, so each child gets shutdownRequested and checkpoints');
    const stopped = await daemon.stopGracefully(props.shutdownGraceMillis + 15_000);
    timings.stopMs = stopped.tookMs;
    say(`daemon ${stopped.graceful ? 'stopped' : 'killed after not stopping'} in ${(stopped.tookMs / 1000).toFixed(1)} s`);
    tally.addEvents(reader.poll());
    tally.setLeases(await readLeases(standIns.dynamo.handle, props.applicationName));
    io.stdout(summaryText({ counts: tally.counts(), expected: options.records.length, timings, failures: tally.failures, outcome }));
    ok = outcome === 'all-arrived';

    if (options.keep && !interrupts.interrupted) {
      say(
        `--keep: the stand-ins keep running until Ctrl-C (kinesis-local ${standIns.kinesis.endpoint}, DynamoDB Local ${standIns.dynamo.endpoint}); ` +
          `their properties: ${propertiesFile}, e.g. kcl-ts status --properties ${propertiesFile}`,
      );
      interrupts.stopping = 'stopping the stand-ins';
      await interrupts.next();
    }
    return ok ? 0 : interrupts.interrupted && outcome === 'interrupted' ? 130 : 1;
  } catch (err) {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    if (daemon?.process.running === false) say(`the daemon's last lines:\n${daemon.process.tail(15)}`);
    return 1;
  } finally {
    if (daemon?.process.running) await daemon.stopGracefully(5000);
    await standIns?.stop();
    interrupts.dispose();
    if (ok && !options.keep) rmSync(workDir, { recursive: true, force: true });
    else say(`logs kept in ${workDir}`);
  }
}
