/**
 * `kcl-ts run` fails fast against the real daemon (3.1.3), each case timed:
 * - nothing listens on the DynamoDB endpoint: caught before the JVM (one line, exit 2);
 * - a DynamoDB endpoint that accepts TCP but answers garbage (the probe passes, the
 *   daemon's start fails): ended after 2 failed attempts, exit 1, the summary last;
 * - both stand-ins up but the stream does not exist: the same.
 * Without kcl-ts, the first two print ~1,400 / ~3,400 lines over 95 / 24 s and exit 0,
 * the third retries for ~10 minutes.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAEMON_JVM_OPTIONS, daemonEnv, propertiesText, REPO_ROOT } from '../harness/kcl.js';
import { freePort } from '../harness/ports.js';
import { isDaemonJvm } from '../harness/process-tree.js';
import { adoptProcessGroup, descendantPids, processAlive, spawnManaged, type ManagedProcess } from '../harness/processes.js';
import { useScenario } from '../harness/scenario.js';

interface CliRun {
  code: number | null;
  stdout: string[];
  stderr: string[];
  /** Every daemon JVM seen under kcl-ts while it ran (not `java -version`). */
  jvms: number[];
  tookMs: number;
}

/** `kcl-ts run` from source on a properties file, its lines kept per stream, every JVM under it noted (and adopted, so none outlives the test). */
async function kclTsRun(name: string, workDir: string, jarDir: string, properties: Record<string, string | number | boolean>): Promise<CliRun> {
  const file = path.join(workDir, `${name}.properties`);
  writeFileSync(file, propertiesText(properties));
  const started = Date.now();
  const proc: ManagedProcess = spawnManaged(
    name,
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(REPO_ROOT, 'test', 'harness', 'kcl-ts-cli.ts'), 'run', '-p', file, '--jar-dir', jarDir, ...DAEMON_JVM_OPTIONS.map((o) => `--java-opt=${o}`)],
    {
      cwd: workDir,
      logFile: path.join(workDir, `${name}.log`),
      env: daemonEnv(),
    },
  );
  const out: CliRun = { code: null, stdout: [], stderr: [], jvms: [], tookMs: 0 };
  proc.onLine((line, stream) => out[stream].push(line));
  const releases: Array<() => void> = [];
  const watch = setInterval(() => {
    for (const pid of descendantPids(proc.pid)) {
      if (out.jvms.includes(pid) || !isDaemonJvm(pid)) continue;
      out.jvms.push(pid);
      releases.push(adoptProcessGroup(pid));
    }
  }, 100);
  try {
    const info = await proc.waitForExit(180_000);
    await proc.waitForOutputEnd(5000);
    out.code = info.code;
    out.tookMs = Date.now() - started;
  } finally {
    clearInterval(watch);
  }
  // kcl-ts ended the JVM before it exited itself: nothing may be left.
  expect(out.jvms.filter(processAlive)).toEqual([]);
  for (const release of releases) release();
  return out;
}

/** Accepts TCP and answers every request with bytes that are not HTTP. */
async function garbageServer(): Promise<{ url: string; close: () => void }> {
  const server = net.createServer((c) => {
    c.on('error', () => {});
    c.on('data', () => c.end('this is not HTTP\r\n\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

const count = (lines: string[], text: string): number => lines.filter((l) => l.includes(text)).length;

describe('kcl-ts run fails fast', () => {
  const s = useScenario({ streams: [{ name: 'fail-fast', shards: 1, app: 'fail-fast-app' }] });
  const props = (run: string, override: Record<string, string>) => ({ ...s.daemonOptions(run).properties, ...override });
  const run = (name: string, p: Record<string, string | number | boolean>) => kclTsRun(name, s.standIns.workDir, s.standIns.kclJarDir, p);

  it('nothing listens on the DynamoDB endpoint: one line before any JVM, exit 2', async () => {
    const port = await freePort(); // bound and closed a moment ago: nothing listens there
    const r = await run('no-listener', props('no-listener', { dynamoDBEndpoint: `http://127.0.0.1:${port}` }));
    console.log(`nothing listening: exit ${r.code} after ${r.tookMs} ms, ${r.stderr.length} line(s)`);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([`kcl-ts: dynamoDBEndpoint = http://127.0.0.1:${port}: nothing listens there (connection refused)`]);
    expect(r.jvms).toEqual([]);
    expect(r.tookMs).toBeLessThan(15_000);
  });

  it('a DynamoDB endpoint that answers garbage: the daemon is ended after 2 failed attempts, exit 1, the summary after its output', async () => {
    const garbage = await garbageServer();
    try {
      const r = await run('garbage', props('garbage', { dynamoDBEndpoint: garbage.url }));
      console.log(`garbage: exit ${r.code} after ${r.tookMs} ms, ${r.stdout.length} stdout lines; ${r.stderr.at(-1)}`);
      expect(r.code).toBe(1);
      expect(r.jvms).toHaveLength(1);
      expect(count(r.stdout, 'Caught exception when initializing LeaseCoordinator')).toBeGreaterThanOrEqual(2);
      expect(count(r.stdout, 'Unable to initialize after 20 attempts')).toBe(0);
      expect(r.stderr.at(-1)).toMatch(/^kcl-ts: the daemon could not start: \S+Exception: .*Service returned HTTP status code/);
      expect(r.tookMs).toBeLessThan(90_000);
    } finally {
      garbage.close();
    }
  });

  it('the stream does not exist: ended after 2 failed attempts, exit 1, the cause named', async () => {
    const r = await run('no-stream', props('no-stream', { streamName: 'no-such-stream', applicationName: 'no-stream-app' }));
    console.log(`no stream: exit ${r.code} after ${r.tookMs} ms, ${r.stdout.length} stdout lines; ${r.stderr.at(-1)}`);
    expect(r.code).toBe(1);
    expect(r.jvms).toHaveLength(1);
    expect(count(r.stdout, 'Caught exception when initializing LeaseCoordinator')).toBeGreaterThanOrEqual(2);
    expect(r.stderr.at(-1)).toMatch(/^kcl-ts: the daemon could not start: \S+: .*(No shards found|ResourceNotFound|not found)/);
    // Each attempt first waits 1-30 s on the empty lease table.
    expect(r.tookMs).toBeLessThan(150_000);
  }, 200_000);
});
