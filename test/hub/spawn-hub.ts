/**
 * A hub-mode program (`run()` with `KCL_TS_HUB_SOCKET`) started as a real process, for
 * the tests that drive it with `FakeDaemon.connect`: its socket in a fresh private
 * directory (the hub refuses one others can enter), its output captured, and the wait
 * until it accepts, bounded and naming what it saw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HubProcess {
  readonly proc: ChildProcess;
  /** The private directory that holds the socket; `stopHub` removes it. */
  readonly dir: string;
  readonly socket: string;
  /** The exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stdout(): string;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/** Runs `file` (a path from the repository's root) under tsx, `env` over this process's (it may replace the socket). */
export function spawnHub(file: string, env: NodeJS.ProcessEnv = {}): HubProcess {
  const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-hub-'));
  const socket = join(dir, 'hub.sock');
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, KCL_TS_HUB_SOCKET: socket, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, dir, socket, exited, stderr: () => stderr, stdout: () => stdout };
}

/** Waits until the hub's socket accepts a connection; fails after `withinMs` with the hub's stderr. */
export async function accepting(hub: HubProcess, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(hub.socket);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the hub did not listen on ${hub.socket} within ${withinMs} ms; stderr: ${hub.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** For `afterEach`: kills the hub if it still runs and removes its directory. */
export function stopHub(hub: HubProcess | undefined): void {
  if (hub === undefined) return;
  if (hub.proc.exitCode === null && hub.proc.signalCode === null) hub.proc.kill('SIGKILL');
  rmSync(hub.dir, { recursive: true, force: true });
}
