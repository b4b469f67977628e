/**
 * A lease waiting for its next action holds none of its last batch: records are views
 * into the chunks their batch arrived in, so anything kept from a batch (the action in a
 * suspended frame, the last record as a checkpoint position) keeps the whole input alive.
 * A child would hold one batch too many; a hub with 64 leases, 64 (~100 MB at 1,000 × 1 KB).
 * Measured in a hub, whose sessions run the child's engine: over a socket, which cuts a
 * batch into chunks of up to 64 KB as stdin does (an in-memory pipe passes a write whole,
 * and the batch scanner keeps the one chunk it read last, for the whole process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { serveHub, type HubHandle } from '../../src/hub/serve.js';
import type { RecordProcessor } from '../../src/index.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { initialize } from '../helpers.js';

/** V8's gc without node flags, as src/engine/memory.ts takes it. */
function takeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as () => void;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
const gc = takeGc();

/** Bytes held by ArrayBuffers (every Buffer's memory) once garbage is collected. */
function liveBufferBytes(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

const KB = 'x'.repeat(1000);
const batchOf = (count: number, first: number) => makeBatch(count, first, () => KB);
const silent = pino({ level: 'silent' });

describe('a hub with idle sessions', () => {
  let dir: string | undefined;
  let hub: HubHandle | undefined;
  afterEach(async () => {
    await hub?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    hub = undefined;
    dir = undefined;
  });

  it.each([
    ['processRecords', (): RecordProcessor => ({ processRecords: ({ records }) => void records.length })],
    ['processRecord', (): RecordProcessor => ({ processRecord: (record) => void record.data.length })],
  ] as const)('holds none of their last batches (%s)', async (_, factory) => {
    dir = mkdtempSync(join(tmpdir(), 'kcl-ts-idle-'));
    const socket = join(dir, 'hub.sock');
    hub = await serveHub(factory, { logger: silent, checkpoint: 'manual', memory: false }, socket, silent, { signals: false });
    const sessions = Array.from({ length: 4 }, () => FakeDaemon.connect(socket, { timeoutMs: 10_000 }));
    await Promise.all(sessions.map((d) => d.send(initialize('TRIM_HORIZON', 0))));
    await Promise.all(sessions.map((d, i) => d.send(batchOf(10, i * 10_000))));
    const before = liveBufferBytes();
    // ~1.4 MB each, read from the socket in chunks of up to 64 KB.
    for (const [i, d] of sessions.entries()) await d.send(batchOf(1000, i * 10_000 + 10));
    const held = liveBufferBytes() - before;
    // Under a megabyte for four sessions: at most a chunk or so each, never a batch.
    expect(held).toBeLessThan(1_000_000);
    for (const d of sessions) expect((await d.close()).exitCode).toBe(0);
  });
});
