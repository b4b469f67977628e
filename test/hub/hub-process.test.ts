/**
 * run() in hub mode as a real process: what `kcl-ts run --hub` and a user's own
 * supervisor start. Stop signals drain it; an object instead of a factory is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const APP = `${ROOT}test/hub/fixtures/hub-app.ts`;
const init = (n: number) => ({ action: 'initialize', shardId: `shardId-00000000000${n}`, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });

let dir: string | undefined;
let hub: ChildProcess | undefined;

afterEach(() => {
  hub?.kill('SIGKILL');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  hub = undefined;
  dir = undefined;
});

function startHub(env: NodeJS.ProcessEnv = {}): { socket: string; stderr: () => string; exited: Promise<number | null> } {
  dir = mkdtempSync(join(tmpdir(), 'kcl-ts-hubp-'));
  const socket = join(dir, 'hub.sock');
  const proc = spawn(process.execPath, ['--import', 'tsx', APP], { cwd: ROOT, env: { ...process.env, KCL_TS_HUB_SOCKET: socket, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  hub = proc;
  let stderr = '';
  let stdout = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { socket, stderr: () => stderr + (stdout === '' ? '' : `\n[stdout] ${stdout}`), exited };
}

async function accepting(socket: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(socket);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the hub did not listen on ${socket} within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a hub process', () => {
  it('serves sessions; SIGTERM is noted once, new sessions are refused, open ones are served to their end, then it exits 0', async () => {
    const h = startHub();
    await accepting(h.socket);
    const a = FakeDaemon.connect(h.socket, { timeoutMs: 10_000 });
    const b = FakeDaemon.connect(h.socket, { timeoutMs: 10_000 });
    await a.send(init(0));
    await b.send(init(1));
    const batch = makeBatch(3);
    expect((await a.send(batch)).messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    hub!.kill('SIGTERM');
    hub!.kill('SIGTERM');
    await expect.poll(h.stderr, { timeout: 5000 }).toContain('kcl-ts: SIGTERM received: serving the open lease sessions until the daemon ends them; no new ones');
    // The socket is gone: a new lease cannot start on a hub that is stopping.
    await expect.poll(() => existsSync(h.socket), { timeout: 5000 }).toBe(false);
    // Both open sessions still work: the daemon's graceful shutdown reaches them.
    for (const d of [a, b]) {
      expect((await d.send({ action: 'shutdownRequested' })).messages.at(-1)).toEqual({ action: 'status', responseFor: 'shutdownRequested' });
      expect((await d.send({ action: 'leaseLost' })).messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    }
    expect((await a.close()).exitCode).toBe(0);
    expect((await b.close()).exitCode).toBe(0);
    expect(await h.exited).toBe(0);
    expect(h.stderr().match(/received/g)).toHaveLength(1);
    // User output went to stderr, never into a lease's stream (the strict daemon skipped nothing).
    expect(h.stderr()).toContain('console.log from a processor: 3');
    expect(h.stderr()).not.toContain('[stdout]');
  });

  it('exits 0 at once on a signal when no session is open', async () => {
    const h = startHub();
    await accepting(h.socket);
    hub!.kill('SIGINT');
    expect(await h.exited).toBe(0);
  });

  it('refuses a processor object: one fatal line that says to pass a factory, exit 1', async () => {
    const h = startHub({ HUB_APP_OBJECT: '1' });
    expect(await h.exited).toBe(1);
    expect(h.stderr()).toMatch(/^kcl-ts: fatal: OptionsError: hub mode \(KCL_TS_HUB_SOCKET is set\) .* pass a factory, run\(\(\) => new MyProcessor\(\), options\)/m);
  });

  it('refuses a socket in a directory others can enter, naming it', async () => {
    const h = startHub({ KCL_TS_HUB_SOCKET: '/tmp/kcl-ts-not-private.sock' });
    expect(await h.exited).toBe(1);
    expect(h.stderr()).toContain('kcl-ts: fatal: SocketPathError: hub socket /tmp/kcl-ts-not-private.sock: its directory /tmp can be entered by others');
  });
});
