/**
 * The real-daemon suites' processors (test/e2e/processors/recording.ts, recording-hub.ts
 * and test/faults/processors/killing.ts) under the strict fake daemon: the lines they
 * write are what test/harness/consumed.ts and faults.ts read, so their shape is pinned
 * here, without a JVM.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { readEvents } from '../harness/consumed.js';
import { accepting, spawnHub, stopHub, type HubProcess } from '../hub/spawn-hub.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHARD = 'shardId-000000000007';
const INIT = { action: 'initialize', shardId: SHARD, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

let dir: string;
let output: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcl-ts-test-processors-'));
  output = join(dir, 'consumed.jsonl');
});

afterEach(() => {
  stopHub(hub);
  hub = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function child(file: string, env: NodeJS.ProcessEnv): FakeDaemon {
  return FakeDaemon.spawn(process.execPath, ['--import', 'tsx', join(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, E2E_OUTPUT: output, E2E_RUN: 'r1', ...env },
    timeoutMs: 15_000,
  });
}

const batch = makeBatch(3, 0, (i) => `d${i}`);
const seq = (i: number) => batch.records[i]!.sequenceNumber;
const pid = expect.any(Number);
const t = expect.any(Number);
const initialized = { ev: 'initialize', shard: SHARD, pid, run: 'r1', t, seq: 'TRIM_HORIZON', sub: 0 };
const record = (i: number) => ({ ev: 'record', shard: SHARD, seq: seq(i), sub: 0, data: `d${i}`, pid, run: 'r1' });
const event = (ev: string, extra: object = {}) => ({ ev, shard: SHARD, pid, run: 'r1', t, ...extra });
const exit = (code: number) => ({ ev: 'exit', shard: '?', pid, run: 'r1', code, t });

describe('recording.ts', () => {
  it('writes initialize, each record, the lifecycle event and its exit, and checkpoints every E2E_CHECKPOINT_EVERY records', async () => {
    const d = child('test/e2e/processors/recording.ts', { E2E_CHECKPOINT_EVERY: '2' });
    await d.send(INIT);
    expect((await d.send(batch)).messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    await d.send({ action: 'shutdownRequested' });
    expect((await d.close()).exitCode).toBe(0);
    expect(readEvents(output)).toEqual([initialized, record(0), record(1), record(2), event('shutdownRequested'), exit(0)]);
  });

  it('throws on E2E_FAIL_ON_DATA after writing the records before it, at each try of the batch', async () => {
    const d = child('test/e2e/processors/recording.ts', { E2E_FAIL_ON_DATA: 'd1' });
    await d.send(INIT);
    // The engine's retries (3) spent, the child fails: it never answers the batch.
    await expect(d.send(batch)).rejects.toThrow(/closed stdout/);
    expect((await d.exited()).exitCode).toBe(1);
    const tryOnce = [record(0), event('throw', { seq: seq(1), data: 'd1' })];
    expect(readEvents(output)).toEqual([initialized, ...tryOnce, ...tryOnce, ...tryOnce, ...tryOnce, exit(1)]);
  });

  it('does not throw on E2E_FAIL_ON_DATA while E2E_FAIL_UNLESS_FILE exists', async () => {
    const allow = join(dir, 'allow');
    writeFileSync(allow, '');
    const d = child('test/e2e/processors/recording.ts', { E2E_FAIL_ON_DATA: 'd1', E2E_FAIL_UNLESS_FILE: allow });
    await d.send(INIT);
    expect((await d.send(batch)).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    await d.send({ action: 'leaseLost' });
    expect((await d.close()).exitCode).toBe(0);
    expect(readEvents(output)).toEqual([initialized, record(0), record(1), record(2), event('leaseLost'), exit(0)]);
  });

  it('E2E_MODE=record: one record at a time, a checkpoint after each whose sub-sequence number is E2E_CHECKPOINT_SUB (mod 10)', async () => {
    const d = child('test/e2e/processors/recording.ts', { E2E_MODE: 'record', E2E_CHECKPOINT_SUB: '0' });
    await d.send(INIT);
    expect((await d.send(batch)).messages.map((m) => m.action)).toEqual(['checkpoint', 'checkpoint', 'checkpoint', 'status']);
    await d.send({ action: 'shardEnded' });
    expect((await d.close()).exitCode).toBe(0);
    expect(readEvents(output)).toEqual([initialized, record(0), record(1), record(2), event('shardEnded'), exit(0)]);
  });
});

describe('recording-hub.ts', () => {
  it('refuses to run without KCL_TS_HUB_SOCKET, naming it', async () => {
    const end = await child('test/e2e/processors/recording-hub.ts', {}).exited();
    expect(end.exitCode).toBe(2);
    expect(end.stderr).toContain('KCL_TS_HUB_SOCKET is not set');
  });

  it('writes the same lines with a session id per lease session and the hub’s pid; its exit line when it stops', async () => {
    const h = (hub = spawnHub('test/e2e/processors/recording-hub.ts', { E2E_OUTPUT: output, E2E_RUN: 'r1', E2E_CHECKPOINT_EVERY: '1000' }));
    await accepting(h);
    const sessions = [FakeDaemon.connect(h.socket, { timeoutMs: 10_000 }), FakeDaemon.connect(h.socket, { timeoutMs: 10_000 })];
    for (const d of sessions) {
      await d.send(INIT);
      expect((await d.send(batch)).messages.map((m) => m.action)).toEqual(['status']);
      await d.send({ action: 'leaseLost' });
      expect((await d.close()).exitCode).toBe(0);
    }
    h.proc.kill('SIGTERM');
    expect(await h.exited).toBe(0);
    const hubPid = h.proc.pid!;
    const lines = (session: string) => [
      { ...initialized, pid: hubPid, session },
      ...[0, 1, 2].map((i) => ({ ...record(i), pid: hubPid, session })),
      { ...event('leaseLost'), pid: hubPid, session },
    ];
    const events = readEvents(output);
    // Numbered per connection: the accepting() probe was one too, so only the form and the difference are fixed.
    const [first, second] = [events[0]!.session!, events[5]!.session!];
    expect(first).toMatch(new RegExp(`^${hubPid}/\\d+$`));
    expect(second).toMatch(new RegExp(`^${hubPid}/\\d+$`));
    expect(second).not.toBe(first);
    expect(events).toEqual([...lines(first), ...lines(second), { ...exit(0), pid: hubPid }]);
  });
});

describe('killing.ts', () => {
  it('checkpoints every FAULT_CHECKPOINT_EVERY records and writes each confirmed one; FAULT_KILL_AT=shardEnded: a kill line, then SIGKILL', async () => {
    const token = join(dir, 'token');
    const d = child('test/faults/processors/killing.ts', { FAULT_CHECKPOINT_EVERY: '2', FAULT_KILL_AT: 'shardEnded', FAULT_TOKEN: token });
    await d.send(INIT);
    expect((await d.send(batch)).messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    await expect(d.send({ action: 'shardEnded' })).rejects.toThrow(/closed stdout/);
    expect((await d.exited()).signal).toBe('SIGKILL');
    expect(existsSync(token)).toBe(true);
    expect(readEvents(output)).toEqual([
      initialized,
      record(0),
      record(1),
      event('checkpointed', { seq: seq(1), sub: 0 }),
      record(2),
      event('shardEnded'),
      event('kill', { at: 'shardEnded' }),
    ]);
  });

  it('FAULT_KILL_AT=batch: the records before the FAULT_KILL_AFTERth, a kill line naming it; a failed checkpoint is a line, not a throw', async () => {
    const d = child('test/faults/processors/killing.ts', { FAULT_CHECKPOINT_EVERY: '1', FAULT_KILL_AT: 'batch', FAULT_KILL_AFTER: '3' });
    d.queuedAnswers.push('InvalidStateException');
    await d.send(INIT);
    await expect(d.send(batch)).rejects.toThrow(/closed stdout/);
    expect((await d.exited()).signal).toBe('SIGKILL');
    const events = readEvents(output);
    expect(events[0]).toEqual(initialized);
    expect(events[1]).toEqual(record(0));
    expect(events[2]).toEqual(event('checkpointFailed', { seq: seq(0), code: 'InvalidStateException', attempts: expect.any(Number) }));
    expect(events.slice(3)).toEqual([record(1), event('checkpointed', { seq: seq(1), sub: 0 }), event('kill', { at: 'batch', seq: seq(2) })]);
  });
});
