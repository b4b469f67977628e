/**
 * `kcl-ts run --hub`'s supervision (src/hub/launch/run-with-hubs.ts) with real hubs (the
 * fixture app in hub mode), real forwarders from the properties copy, and a stand-in for
 * the JVM: a process that the test ends, and sessions the test drives through the
 * forwarder line exactly as the daemon would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { splitExecutable } from '../../src/host/properties/executable.js';
import { parsePropertiesBuffer } from '../../src/host/properties/parse.js';
import { runWithHubs, type RunWithHubsOptions } from '../../src/hub/launch/run-with-hubs.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { processAlive as alive } from '../harness/processes.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const APP = [process.execPath, '--import', LOADER, path.join(ROOT, 'test/cli/fixtures/hub-app.ts')];
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-hub-launch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const init = (n: number) => ({ action: 'initialize', shardId: `shardId-${String(n).padStart(12, '0')}`, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });

let count = 0;
/** A user's properties file, ending in a continued line (the copy must not swallow its entry). */
function userProperties(): { file: string; bytes: Buffer } {
  const file = path.join(work, `app-${++count}.properties`);
  const text = `# mine\nexecutableName = ${APP.join(' ')}\nstreamName = s\napplicationName = a\nshutdownGraceMillis = 5000\nregionName = us-\\\n  east-1\\`;
  writeFileSync(file, text);
  return { file, bytes: readFileSync(file) };
}

interface Started {
  copy: string;
  /** The forwarder command from the copy, split as the daemon splits it. */
  forwarder: string[];
  jvm: ChildProcess;
}

/** Runs runWithHubs with a JVM stand-in; `started` resolves once it "runs". */
function launch(options: Partial<RunWithHubsOptions> & { jvmIgnoresTerm?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const { file } = userProperties();
  let err = '';
  let resolveStarted: (s: Started) => void = () => undefined;
  const started = new Promise<Started>((resolve) => (resolveStarted = resolve));
  // It says "up" once its signal handling is in place.
  const jvmCode = `${options.jvmIgnoresTerm ? "process.on('SIGTERM', () => {}); " : ''}setInterval(() => {}, 1000); console.log('up')`;
  const result = runWithHubs({
    hubs: 1,
    readyTimeoutMs: 20_000,
    propertiesFile: file,
    propertiesShown: 'app.properties',
    app: { argv: APP, executableName: APP.join(' ') },
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    stderr: (s) => (err += s),
    daemonStopMs: 10_000,
    runDaemon: (copy, onStart) =>
      new Promise<number>((resolve) => {
        const jvm = spawn(process.execPath, ['-e', jvmCode], { stdio: ['ignore', 'pipe', 'ignore'] });
        jvms.push(jvm);
        onStart(jvm);
        const entry = parsePropertiesBuffer(readFileSync(copy)).map.get('executableName')!;
        jvm.stdout!.once('data', () => resolveStarted({ copy, forwarder: splitExecutable(entry.value), jvm }));
        jvm.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
      }),
    ...options,
  });
  runs.push(result);
  return { file, started, result, stderr: () => err };
}

const jvms: ChildProcess[] = [];
const runs: Promise<number>[] = [];
// A failed test leaves its run going: end its daemon stand-in, and the run stops its hubs.
afterEach(async () => {
  for (const jvm of jvms.splice(0)) if (jvm.exitCode === null && jvm.signalCode === null) jvm.kill('SIGKILL');
  await Promise.allSettled(runs.splice(0));
});

/** One whole lease through the forwarder line, as the daemon would run it. */
async function lease(forwarder: string[], n: number): Promise<number | null> {
  const d = FakeDaemon.spawn(forwarder[0]!, forwarder.slice(1), { timeoutMs: 10_000 });
  expect((await d.send(init(n))).messages).toEqual([{ action: 'status', responseFor: 'initialize' }]);
  expect((await d.send(makeBatch(2, n * 10))).messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
  expect((await d.send({ action: 'shutdownRequested' })).messages.at(-1)).toEqual({ action: 'status', responseFor: 'shutdownRequested' });
  return (await d.close()).exitCode;
}

function hubPids(stderr: string): number[] {
  const m = /\(pid ([\d, ]+)\), waiting for/.exec(stderr);
  if (!m) throw new Error(`no hub pids in: ${stderr}`);
  return m[1]!.split(', ').map(Number);
}

describe('kcl-ts run --hub: hubs around the daemon', () => {
  it('starts the hub, runs the daemon on a copy whose executableName is the forwarder, serves leases, then stops the hub and removes the copy', async () => {
    const run = launch();
    const original = readFileSync(run.file);
    const { copy, forwarder, jvm } = await run.started;

    expect(path.dirname(copy)).toBe(path.dirname(run.file));
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    const mine = parsePropertiesBuffer(original);
    const theirs = parsePropertiesBuffer(readFileSync(copy));
    // Every entry of the user's file survives as it was, on its line, the continued last one included.
    const entries = (p: typeof mine) => p.entries.map(({ key, value, line }) => ({ key, value, line }));
    expect(entries(theirs).slice(0, mine.entries.length)).toEqual(entries(mine));
    expect(theirs.entries).toHaveLength(mine.entries.length + 1);
    expect(mine.map.get('regionName')?.value).toBe('us-east-1');
    expect(forwarder[0]).toMatch(/kcl-ts-forwarder$/);
    expect(forwarder).toHaveLength(2);
    const socketDir = path.dirname(forwarder[1]!);
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);

    expect(await lease(forwarder, 1)).toBe(0);
    expect(await lease(forwarder, 2)).toBe(0);
    const [hub] = hubPids(run.stderr());
    jvm.kill('SIGTERM');
    expect(await run.result).toBe(143);

    expect(alive(hub!)).toBe(false);
    expect(existsSync(copy)).toBe(false);
    expect(existsSync(socketDir)).toBe(false);
    expect(readFileSync(run.file).equals(original)).toBe(true);
    expect(run.stderr()).toContain('kcl-ts: the hub is ready; the daemon runs the forwarder per lease, from a copy of app.properties');
  });

  it('with --hubs 2 spreads the leases over both hubs in turn', async () => {
    const events = path.join(work, 'events-2.jsonl');
    const run = launch({ hubs: 2, env: { HUB_APP_EVENTS: events } });
    const { forwarder, jvm } = await run.started;
    expect(forwarder).toHaveLength(3);
    for (let n = 0; n < 4; n++) expect(await lease(forwarder, n)).toBe(0);
    jvm.kill('SIGTERM');
    await run.result;
    const pids = hubPids(run.stderr());
    const byShard = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; ev: string; shard: string })
      .filter((e) => e.ev === 'initialize')
      .map((e) => pids.indexOf(e.pid));
    expect(byShard).toEqual([0, 1, 0, 1]);
  });

  it('stops the daemon and exits 1, saying which hub and how, when a hub dies while the daemon runs', async () => {
    const run = launch();
    const { jvm } = await run.started;
    const [hub] = hubPids(run.stderr());
    process.kill(hub!, 'SIGKILL');
    expect(await run.result).toBe(1);
    expect(jvm.signalCode).toBe('SIGTERM');
    expect(run.stderr()).toContain(`kcl-ts: the hub (pid ${hub}) was killed by SIGKILL while the daemon was running: stopping the daemon (SIGTERM, SIGKILL after 10 s); exiting 1`);
  });

  it('takes a hub that exits 0 without kcl-ts having been told to stop for a failure too', async () => {
    const run = launch();
    await run.started;
    const [hub] = hubPids(run.stderr());
    process.kill(hub!, 'SIGTERM'); // someone else stopped it: it drains its no sessions and exits 0
    expect(await run.result).toBe(1);
    expect(run.stderr()).toContain(`kcl-ts: the hub (pid ${hub}) exited with status 0 while the daemon was running: stopping the daemon`);
  });

  it('kills a daemon that does not exit within the bound after SIGTERM', async () => {
    const run = launch({ jvmIgnoresTerm: true, daemonStopMs: 300 });
    const { jvm } = await run.started;
    process.kill(hubPids(run.stderr())[0]!, 'SIGKILL');
    expect(await run.result).toBe(1);
    expect(jvm.signalCode).toBe('SIGKILL');
    expect(run.stderr()).toContain('kcl-ts: the daemon did not exit within 0.3 s of SIGTERM: killing it (SIGKILL)');
  });

  it('fails with the hub\'s status and last stderr lines when it exits before its socket accepts, starting no daemon', async () => {
    let daemonRan = false;
    const run = launch({
      env: { HUB_APP_FAIL_AT_START: '1' },
      runDaemon: async () => {
        daemonRan = true;
        return 0;
      },
    });
    expect(await run.result).toBe(1);
    expect(daemonRan).toBe(false);
    expect(run.stderr()).toMatch(/kcl-ts: the hub \(pid \d+\) exited with status 3 before its socket accepted; its last stderr lines:\n {2}\| hub-app: no database today\n/);
    // said once, in the failure, not passed through as well
    expect(run.stderr().split('no database today')).toHaveLength(2);
    expect(readdirNames(run.file)).toEqual([path.basename(run.file)]);
  });

  it('fails after --hub-timeout when the socket never accepts, and stops that hub', async () => {
    const never = [process.execPath, '-e', "process.stderr.write('starting...\\n'); setInterval(() => {}, 1000)"];
    const run = launch({ app: { argv: never, executableName: never.join(' ') }, readyTimeoutMs: 4000, runDaemon: async () => 0 });
    expect(await run.result).toBe(1);
    const [hub] = hubPids(run.stderr());
    expect(run.stderr()).toMatch(/kcl-ts: the hub \(pid \d+\) did not accept on \S+hub-1\.sock within 4 s \(--hub-timeout\); its last stderr lines:\n {2}\| starting\.\.\.\n/);
    expect(alive(hub!)).toBe(false);
  });

  it('says so when the app command cannot be started at all', async () => {
    const missing = [path.join(work, 'no-such-app')];
    const run = launch({ app: { argv: missing, executableName: missing[0]! }, runDaemon: async () => 0 });
    expect(await run.result).toBe(1);
    expect(run.stderr()).toContain(`kcl-ts: the hub could not start: spawn ${missing[0]} ENOENT`);
  });
});

/** The names in the user's file's directory that belong to its run (copies would show up here). */
function readdirNames(file: string): string[] {
  const base = path.basename(file);
  return readdirSync(path.dirname(file)).filter((n) => n.includes(base));
}
