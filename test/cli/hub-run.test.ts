/**
 * `kcl-ts run --hub` as a process, with a stand-in for java (fixtures/fake-java.ts) that
 * runs one lease through the forwarder from the properties copy, as the daemon would:
 * the stops a user makes (SIGTERM to kcl-ts, a signal to every process at once, a signal
 * before the daemon started), each ending with the right status and nothing left behind.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { splitExecutable } from '../../src/host/properties/executable.js';
import { processAlive as alive, signalTree } from '../harness/processes.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const APP = [process.execPath, '--import', LOADER, path.join(ROOT, 'test/cli/fixtures/hub-app.ts')].join(' ');
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-hub-run-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const javaHome = path.join(work, 'jdk');
mkdirSync(path.join(javaHome, 'bin'), { recursive: true });
writeFileSync(path.join(javaHome, 'bin', 'java'), `#!/bin/sh\nexec ${process.execPath} --import ${LOADER} ${path.join(ROOT, 'test/cli/fixtures/fake-java.ts')} "$@"\n`);
chmodSync(path.join(javaHome, 'bin', 'java'), 0o755);
const jarDir = path.join(work, 'jars');
mkdirSync(jarDir);
writeFileSync(path.join(jarDir, 'amazon-kinesis-client-multilang-3.1.3.jar'), '');

const killAtEnd: number[] = [];
afterEach(() => {
  for (const pid of killAtEnd.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

let count = 0;
function start(executableName = APP, extra: string[] = []) {
  const dir = path.join(work, `run-${++count}`);
  mkdirSync(dir);
  const file = path.join(dir, 'app.properties');
  writeFileSync(file, `executableName = ${executableName}\nstreamName = s\napplicationName = a\nAwsCredentialsProvider = DefaultCredentialsProvider\nregionName = us-east-1\nshutdownGraceMillis = 5000\n`);
  const original = readFileSync(file);
  const out = path.join(dir, 'java.jsonl');
  const child = spawn(process.execPath, ['--import', LOADER, path.join(ROOT, 'test/harness/kcl-ts-cli.ts'), 'run', '--hub', '-p', file, '--jar-dir', jarDir, ...extra], {
    cwd: ROOT,
    env: { ...process.env, JAVA_HOME: javaHome, FAKE_JAVA_OUT: out, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killAtEnd.push(child.pid!);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const events = () =>
    existsSync(out)
      ? readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ev: string; pid: number; executableName?: string; answer?: unknown; forwarderExit?: number })
      : [];
  const until = async (what: string, probe: () => boolean, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!probe()) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`no ${what}: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const hubPid = () => Number(/\(pid (\d+)\), waiting for its socket/.exec(err)?.[1]);
  return { child, dir, file, original, exited, events, until, stderr: () => err, hubPid };
}

/** What a finished run must leave: the user's file as it was, and no copy, socket directory or process of ours. */
function expectNothingLeft(r: ReturnType<typeof start>, socketDir: string | undefined): void {
  expect(readFileSync(r.file).equals(r.original)).toBe(true);
  expect(readdirSync(r.dir).sort()).toEqual(existsSync(path.join(r.dir, 'java.jsonl')) ? ['app.properties', 'java.jsonl'] : ['app.properties']);
  if (socketDir !== undefined) expect(existsSync(socketDir)).toBe(false);
  expect(alive(r.hubPid())).toBe(false);
  for (const e of r.events()) expect(alive(e.pid), `java stand-in ${e.pid}`).toBe(false);
}

describe('kcl-ts run --hub, stopped', () => {
  it('by SIGTERM to kcl-ts: the daemon gets it and shuts the lease down through the hub, then the hub is stopped; exit 0', async () => {
    const r = start();
    await r.until('lease', () => r.events().some((e) => e.ev === 'leased'));
    const started = r.events().find((e) => e.ev === 'start')!;
    const words = splitExecutable(started.executableName!);
    expect(words[0]).toMatch(/kcl-ts-forwarder$/);
    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.events().find((e) => e.ev === 'stopped')).toMatchObject({ answer: { action: 'status', responseFor: 'shutdownRequested' }, forwarderExit: 0 });
    expect(r.stderr()).toContain('kcl-ts: SIGTERM: asking the daemon to shut down');
    expect(r.stderr()).not.toContain('while the daemon was running');
    expectNothingLeft(r, path.dirname(words[1]!));
  });

  it('by SIGTERM to every process at once: the hub drains and exits 0, which is no failure; exit 0', async () => {
    const r = start();
    await r.until('lease', () => r.events().some((e) => e.ev === 'leased'));
    const words = splitExecutable(r.events().find((e) => e.ev === 'start')!.executableName!);
    const signalled = signalTree(r.child.pid!, 'SIGTERM');
    expect(signalled).toContain(r.hubPid());
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stderr()).toMatch(/kcl-ts: SIGTERM received: serving the open lease sessions/); // the hub's note, passed on
    expect(r.events().find((e) => e.ev === 'stopped')).toMatchObject({ answer: { action: 'status', responseFor: 'shutdownRequested' }, forwarderExit: 0 });
    expect(r.stderr()).not.toContain('while the daemon was running');
    expectNothingLeft(r, path.dirname(words[1]!));
  });

  it('by SIGTERM before the daemon started: the waiting ends, the hub is stopped, no daemon starts; exit 143', async () => {
    const never = `${process.execPath} -e setInterval(()=>{},1000)`;
    const r = start(never, ['--hub-timeout', '60']);
    await r.until('hub start', () => r.hubPid() > 0);
    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 143, signal: null });
    expect(r.stderr()).toContain('kcl-ts: SIGTERM before the daemon started: stopping the hubs');
    expect(r.events()).toEqual([]);
    expectNothingLeft(r, /waiting for its socket in (\S+)/.exec(r.stderr())![1]!);
  });
});
