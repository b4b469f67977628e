/**
 * run() in hub mode as a real process: what `kcl-ts run --hub` and a user's own
 * supervisor start. Stop signals drain it; an object instead of a factory is refused.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { accepting, spawnHub, stopHub, type HubProcess } from './spawn-hub.js';

const init = (n: number) => ({ action: 'initialize', shardId: `shardId-00000000000${n}`, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });

let hub: HubProcess | undefined;

afterEach(() => {
  stopHub(hub);
  hub = undefined;
});

/** The hub's stderr, and its stdout marked, which must stay empty (user output belongs on stderr). */
function startHub(env: NodeJS.ProcessEnv = {}): HubProcess & { output: () => string } {
  const h = spawnHub('test/hub/fixtures/hub-app.ts', env);
  hub = h;
  return { ...h, output: () => h.stderr() + (h.stdout() === '' ? '' : `\n[stdout] ${h.stdout()}`) };
}

describe('a hub process', () => {
  it('serves sessions; SIGTERM is noted once, new sessions are refused, open ones are served to their end, then it exits 0', async () => {
    const h = startHub();
    await accepting(h);
    const a = FakeDaemon.connect(h.socket, { timeoutMs: 10_000 });
    const b = FakeDaemon.connect(h.socket, { timeoutMs: 10_000 });
    await a.send(init(0));
    await b.send(init(1));
    const batch = makeBatch(3);
    expect((await a.send(batch)).messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    h.proc.kill('SIGTERM');
    h.proc.kill('SIGTERM');
    await expect.poll(h.output, { timeout: 5000 }).toContain('kcl-ts: SIGTERM received: serving the open lease sessions until the daemon ends them; no new ones');
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
    expect(h.output().match(/received/g)).toHaveLength(1);
    // User output went to stderr, never into a lease's stream (the strict daemon skipped nothing).
    expect(h.output()).toContain('console.log from a processor: 3');
    expect(h.output()).not.toContain('[stdout]');
  });

  it('exits 0 at once on a signal when no session is open', async () => {
    const h = startHub();
    await accepting(h);
    h.proc.kill('SIGINT');
    expect(await h.exited).toBe(0);
  });

  it('refuses a processor object: one fatal line that says to pass a factory, exit 1', async () => {
    const h = startHub({ HUB_APP_OBJECT: '1' });
    expect(await h.exited).toBe(1);
    expect(h.output()).toMatch(/^kcl-ts: fatal: OptionsError: hub mode \(KCL_TS_HUB_SOCKET is set\) .* pass a factory, run\(\(\) => new MyProcessor\(\), options\)/m);
  });

  it('refuses a socket in a directory others can enter, naming it', async () => {
    const h = startHub({ KCL_TS_HUB_SOCKET: '/tmp/kcl-ts-not-private.sock' });
    expect(await h.exited).toBe(1);
    expect(h.output()).toContain('kcl-ts: fatal: SocketPathError: hub socket /tmp/kcl-ts-not-private.sock: its directory /tmp can be entered by others');
  });
});
