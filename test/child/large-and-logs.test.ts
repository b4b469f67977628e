import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/child/fixtures/counter.ts');

describe('a maximal batch', () => {
  it('takes a 13 MB processRecords line (10,000 × 1,000 bytes) through a real pipe', async () => {
    const payload = 'x'.repeat(1000);
    const batch = makeBatch(10_000, 0, () => payload);
    const line = JSON.stringify(batch);
    expect(line.length).toBeGreaterThan(13_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-max-'));
    const file = join(dir, 'child.log');
    const daemon = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: ROOT, timeoutMs: 30_000, env: { ...process.env, KCL_LOG_LEVEL: 'debug', KCL_LOG_FILE: file } });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    const x = await daemon.send(batch);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: batch.records[9999]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    await daemon.send({ action: 'leaseLost' });
    const end = await daemon.close();
    expect(end.exitCode).toBe(0);
    // The warn line reports what the processor saw: every record, every byte.
    const log = readFileSync(file, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(log).toMatch(/"records":10000,"bytes":10000000/);
    // The memory upkeep ran once, after the large batch only, and knew its size.
    const collections = log.split('\n').filter((l) => l.includes('full collection after a large batch')).map((l) => JSON.parse(l) as { lineBytes: number });
    expect(collections).toEqual([expect.objectContaining({ lineBytes: line.length })]);
  });
});

describe('logging', () => {
  it('logs little on stderr by default and everything asked for to KCL_LOG_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-log-'));
    const file = join(dir, 'child.log');
    const daemon = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: ROOT, env: { ...process.env, KCL_LOG_FILE: file, KCL_LOG_LEVEL: 'debug' }, timeoutMs: 15_000 });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000042', sequenceNumber: 'LATEST', subSequenceNumber: null });
    await daemon.send(makeBatch(3));
    await daemon.send({ action: 'leaseLost' });
    const end = await daemon.close();
    expect(end.exitCode).toBe(0);
    expect(end.stderr).not.toMatch(/batch done/);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; shardId?: string; level: number });
    const done = lines.find((l) => l.msg === 'batch done');
    expect(done).toMatchObject({ shardId: 'shardId-000000000042', level: 30 });
    expect(lines.some((l) => l.msg === 'lease lost')).toBe(true);
    expect(lines.some((l) => l.msg === 'full collection after a large batch')).toBe(false); // a small batch
    rmSync(dir, { recursive: true, force: true });

    const quiet = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: ROOT, env: { ...process.env, KCL_LOG_FILE: '', KCL_LOG_LEVEL: '' }, timeoutMs: 15_000 });
    await quiet.send({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null });
    await quiet.send(makeBatch(3));
    const q = await quiet.close();
    expect(q.stderr).toBe(''); // default level warn: nothing to say
  });

  it('rejects a bad KCL_LOG_LEVEL by name', async () => {
    const daemon = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: ROOT, env: { ...process.env, KCL_LOG_LEVEL: 'verbose' }, timeoutMs: 15_000 });
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    expect(end.stderr).toMatch(/kcl-ts: fatal: OptionsError: KCL_LOG_LEVEL must be one of .* got "verbose"/);
  });
});
