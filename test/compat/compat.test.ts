import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const fixture = (name: string) => FakeDaemon.spawn(process.execPath, [join(ROOT, 'test/compat/fixtures', name)], { cwd: ROOT, timeoutMs: 15_000 });
const init = { action: 'initialize', shardId: 'shardId-000000000003', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

describe('kcl-ts/compat: aws-kcl processors unchanged but for the require', () => {
  it('runs a callback processor: records base64 as in aws-kcl, checkpoint(seq, cb), shard end', async () => {
    const daemon = fixture('basic-v2.cjs');
    expect((await daemon.send(init)).messages).toEqual([{ action: 'status', responseFor: 'initialize' }]);
    const batch = makeBatch(3, 0, (i) => `hello ${i}`);
    const x = await daemon.send(batch);
    expect(x.skipped).toEqual([]); // its console.log did not reach stdout
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: batch.records[2]!.sequenceNumber, subSequenceNumber: null },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    const end = await daemon.send({ action: 'shardEnded' });
    expect(end.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
      { action: 'status', responseFor: 'shardEnded' },
    ]);
    const exit = await daemon.close();
    expect(exit.exitCode).toBe(0);
    expect(exit.stderr).toContain('ShardID: shardId-000000000003, Record: hello 2, SequenceNumber: ' + batch.records[2]!.sequenceNumber + ', PartitionKey: pk-2');
    expect(exit.stderr).toContain(`checkpoint ${batch.records[2]!.sequenceNumber}: ok`);
    expect(exit.stderr).toContain('shard end checkpoint: ok');
  });

  it('passes the daemon’s error name to the callback as err', async () => {
    const daemon = fixture('basic-v2.cjs');
    await daemon.send(init);
    daemon.queuedAnswers.push('IllegalArgumentException');
    await daemon.send(makeBatch(1));
    await daemon.send({ action: 'leaseLost' });
    const exit = await daemon.close();
    expect(exit.stderr).toMatch(/checkpoint \d+: IllegalArgumentException/);
    expect(exit.stderr).toContain('lease lost shardId-000000000003');
  });

  it('shutdownRequested with the processor’s own checkpoint', async () => {
    const daemon = fixture('basic-v2.cjs');
    await daemon.send(init);
    await daemon.send(makeBatch(2));
    const x = await daemon.send({ action: 'shutdownRequested' });
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
      { action: 'status', responseFor: 'shutdownRequested' },
    ]);
    await daemon.close();
  });

  it.each([
    ['leaseLost', 'ZOMBIE', []],
    ['shardEnded', 'TERMINATE', [{ action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null }]],
  ])('legacy shutdown(input, cb): %s arrives as reason %s', async (action, reason, checkpoints) => {
    const daemon = fixture('legacy-v1.cjs');
    await daemon.send(init);
    await daemon.send(makeBatch(1));
    const x = await daemon.send({ action });
    expect(x.messages).toEqual([...checkpoints, { action: 'status', responseFor: action }]);
    const exit = await daemon.close();
    expect(exit.exitCode).toBe(0);
    expect(exit.stderr).toContain(`shutdown reason ${reason}`);
  });

  it('refuses a processor without the methods aws-kcl requires, as aws-kcl does', () => {
    const kcl = createRequire(import.meta.url)('kcl-ts/compat') as (p: object) => unknown;
    expect(() => kcl({ initialize() {}, processRecords() {} })).toThrow(/must implement initialize, processRecords, and shutdown/);
  });
});
