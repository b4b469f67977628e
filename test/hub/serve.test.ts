/**
 * The hub over a real Unix socket, in this process: many lease sessions at once, each
 * with its own processor, and nothing that goes wrong in one reaching another.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveHub, type HubHandle } from '../../src/hub/serve.js';
import type { RecordProcessor } from '../../src/index.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { listenUnixSocket } from '../../src/transport/unix-socket.js';

const silent = pino({ level: 'silent' });
const init = (shard: number) => ({ action: 'initialize', shardId: `shardId-${String(shard).padStart(12, '0')}`, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });

let dir: string;
let socket: string;
let hub: HubHandle | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcl-ts-hub-'));
  socket = join(dir, 'hub.sock');
});

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Per-lease state: what this lease's processor saw. */
class Counting implements RecordProcessor {
  shard = '';
  seen: string[] = [];
  initialize({ shardId }: { shardId: string }) {
    this.shard = shardId;
  }
  async processRecords({ records, checkpointer }: Parameters<NonNullable<RecordProcessor['processRecords']>>[0]) {
    for (const r of records) {
      if (r.partitionKey === 'poison') throw new Error('poison record');
      if (r.partitionKey === 'slow') await new Promise((resolve) => setTimeout(resolve, 200));
      this.seen.push(`${this.shard}:${r.sequenceNumber}`);
    }
    await checkpointer.checkpoint();
  }
}

describe('a hub serving lease sessions', () => {
  it('serves many sessions interleaved, each with its own processor; one failing, one sending bad input and one killed mid-batch touch no other', async () => {
    const made: Counting[] = [];
    hub = await serveHub(() => {
      const p = new Counting();
      made.push(p);
      return p;
    }, { logger: silent, checkpoint: 'manual', errors: { retries: 1, backoffMs: 1, maxBackoffMs: 1 } }, socket, silent, { signals: false });

    const healthy = Array.from({ length: 8 }, () => FakeDaemon.connect(socket, { timeoutMs: 5000 }));
    const failing = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    const garbled = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    const killed = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    await Promise.all([...healthy, failing, garbled, killed].map((d, i) => d.send(init(i))));

    // Interleave: every healthy lease gets two batches, round by round, while the others go wrong.
    const batches = healthy.map((_, i) => [makeBatch(3, i * 100), makeBatch(2, i * 100 + 3)]);
    const slow = makeBatch(1, 9000, () => 'x');
    const killedBatch = { ...slow, records: slow.records.map((r) => ({ ...r, partitionKey: 'slow' })) };
    const midBatch = killed.send(killedBatch).catch(() => 'killed');
    setTimeout(() => killed.kill(), 50);
    const poison = makeBatch(1, 8000);
    const failed = failing.send({ ...poison, records: poison.records.map((r) => ({ ...r, partitionKey: 'poison' })) }).catch(() => 'failed');
    garbled.writeRaw('{"action":"processRecords","records":42}\n');
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all(healthy.map((d, i) => d.send(batches[i]![round]!)));
      for (const [i, x] of answers.entries()) {
        expect(x.messages).toEqual([
          { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
          { action: 'status', responseFor: 'processRecords' },
        ]);
        expect(x.replies[0]?.error ?? null, `lease ${i}`).toBeNull();
      }
    }
    expect(await failed).toBe('failed');
    expect((await failing.exited()).exitCode).toBe(1);
    expect((await garbled.exited()).exitCode).toBe(1);
    expect(await midBatch).toBe('killed');

    for (const d of healthy) expect((await d.send({ action: 'shutdownRequested' })).messages.at(-1)).toEqual({ action: 'status', responseFor: 'shutdownRequested' });
    const ends = await Promise.all(healthy.map((d) => d.close()));
    for (const end of ends) expect(end.exitCode).toBe(0);

    // Each lease's processor saw its own records, all of them, in order, and no other lease's.
    for (const [i] of healthy.entries()) {
      const shard = init(i).shardId;
      const mine = made.find((p) => p.shard === shard)!;
      expect(mine.seen).toEqual([...batches[i]![0]!.records, ...batches[i]![1]!.records].map((r) => `${shard}:${r.sequenceNumber}`));
    }
    expect(made).toHaveLength(11);
    await expect.poll(() => hub!.sessions()).toBe(0);
    expect(hub.served()).toBe(11);
  });

  it('ends a session whose factory fails with exit 1, and goes on serving', async () => {
    let calls = 0;
    hub = await serveHub(() => {
      if (++calls === 1) throw new Error('no pool');
      return new Counting();
    }, { logger: silent, checkpoint: 'manual' }, socket, silent, { signals: false });
    const first = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    await first.send(init(0)).catch(() => undefined);
    expect((await first.exited()).exitCode).toBe(1);
    const second = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    expect((await second.send(init(1))).messages).toEqual([{ action: 'status', responseFor: 'initialize' }]);
    expect((await second.close()).exitCode).toBe(0);
  });
});

describe('the hub socket', () => {
  it('is mode 0600 in a directory only the user can enter', async () => {
    hub = await serveHub(() => new Counting(), { logger: silent }, socket, silent, { signals: false });
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
  });

  it('makes a missing directory 0700', async () => {
    const nested = join(dir, 'run', 'kcl-ts', 'hub.sock');
    const server = await listenUnixSocket(nested, (s) => s.destroy());
    expect(statSync(join(dir, 'run', 'kcl-ts')).mode & 0o777).toBe(0o700);
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a directory others can enter, a path held by a live hub and a path that is not a socket', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    await expect(listenUnixSocket(join(open, 'hub.sock'), () => undefined)).rejects.toThrow(/can be entered by others \(mode 755\)/);
    const server = await listenUnixSocket(socket, (s) => s.destroy());
    await expect(listenUnixSocket(socket, () => undefined)).rejects.toThrow(/a live hub is listening there already/);
    await new Promise((resolve) => server.close(resolve));
    const file = join(dir, 'file.sock');
    writeFileSync(file, 'x');
    await expect(listenUnixSocket(file, () => undefined)).rejects.toThrow(/exists and is not a socket/);
  });

  it('replaces a stale socket (its hub died without removing it)', async () => {
    // A SIGKILLed hub leaves its socket file behind, with nothing accepting on it.
    const stale = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`]);
    await new Promise((resolve) => stale.stdout.once('data', resolve));
    stale.kill('SIGKILL');
    await new Promise((resolve) => stale.once('exit', resolve));
    expect(statSync(socket).isSocket()).toBe(true);
    hub = await serveHub(() => new Counting(), { logger: silent }, socket, silent, { signals: false });
    const d = FakeDaemon.connect(socket, { timeoutMs: 5000 });
    expect((await d.send(init(0))).messages).toEqual([{ action: 'status', responseFor: 'initialize' }]);
    expect((await d.close()).exitCode).toBe(0);
  });
});
