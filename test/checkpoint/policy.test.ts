import { describe, expect, it } from 'vitest';
import { CheckpointPolicy } from '../../src/checkpoint/policy.js';
import { makeBatch } from '../../src/testing/index.js';
import { QUICK, started } from '../helpers.js';

describe('CheckpointPolicy', () => {
  it('every N records', () => {
    const p = new CheckpointPolicy({ everyRecords: 3 }, () => 0);
    p.recordsProcessed(2);
    expect(p.due()).toBe(false);
    p.recordsProcessed(1);
    expect(p.due()).toBe(true);
    p.checkpointed();
    expect(p.due()).toBe(false);
  });

  it('every T seconds, only with something new to checkpoint', () => {
    let now = 0;
    const p = new CheckpointPolicy({ everySeconds: 10 }, () => now);
    now = 20_000;
    expect(p.due()).toBe(false); // nothing processed
    p.recordsProcessed(1);
    expect(p.due()).toBe(true);
    p.checkpointed();
    p.recordsProcessed(1);
    now = 29_999;
    expect(p.due()).toBe(false);
    now = 30_000;
    expect(p.due()).toBe(true);
  });

  it('both: whichever comes first', () => {
    let now = 0;
    const p = new CheckpointPolicy({ everyRecords: 100, everySeconds: 1 }, () => now);
    p.recordsProcessed(100);
    expect(p.due()).toBe(true);
    p.checkpointed();
    p.recordsProcessed(1);
    now = 1000;
    expect(p.due()).toBe(true);
  });

  it('manual never fires; the default is every 60 s', () => {
    const manual = new CheckpointPolicy('manual', () => 0);
    manual.recordsProcessed(1e6);
    expect(manual.due()).toBe(false);
    expect(new CheckpointPolicy(undefined).describe()).toBe('every 60 s');
  });
});

describe('policies under the daemon', () => {
  it('checkpoints at the batch boundary after N records, at the largest record processed', async () => {
    const daemon = await started({ processRecords: () => undefined }, { checkpoint: { everyRecords: 5 } });
    expect((await daemon.send(makeBatch(3, 0))).replies).toEqual([]);
    const second = makeBatch(3, 3);
    const x = await daemon.send(second);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: second.records[2]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    expect((await daemon.send(makeBatch(4, 6))).replies).toEqual([]); // count restarted
    await daemon.close();
  });

  it('checkpoints after T seconds at the next batch boundary', async () => {
    // T counts from the start of run(): the first batch must come back within it, which
    // 50 ms did not leave room for on a loaded machine
    const daemon = await started({ processRecords: () => undefined }, { checkpoint: { everySeconds: 0.5 } });
    expect((await daemon.send(makeBatch(1, 0))).replies).toEqual([]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await daemon.send(makeBatch(1, 1))).replies).toHaveLength(1);
    await daemon.close();
  });

  it('an empty batch never triggers a checkpoint', async () => {
    const daemon = await started({ processRecords: () => undefined }, { checkpoint: { everySeconds: 0.001 } });
    await new Promise((r) => setTimeout(r, 5));
    expect((await daemon.send({ action: 'processRecords', records: [], millisBehindLatest: 0 })).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    await daemon.close();
  });

  it('processRecord returning true checkpoints right after that record, mid-batch', async () => {
    const b = makeBatch(4);
    const daemon = await started({ processRecord: (r) => r.partitionKey === 'pk-1' }, { checkpoint: 'manual' });
    const x = await daemon.send(b);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: b.records[1]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    await daemon.close();
  });

  it('with KPL sub-sequence numbers, checkpoints the exact sub-record', async () => {
    const records = [0, 1, 2].map((sub) => ({ data: 'eA==', partitionKey: 'p', sequenceNumber: '77', subSequenceNumber: sub, approximateArrivalTimestamp: null, action: 'record' }));
    const daemon = await started({ processRecords: () => undefined }, { checkpoint: { everyRecords: 1 } });
    const x = await daemon.send({ action: 'processRecords', records, millisBehindLatest: 0 });
    expect(x.messages[0]).toEqual({ action: 'checkpoint', sequenceNumber: '77', subSequenceNumber: 2 });
    await daemon.close();
  });

  it('the policy checkpoint never passes a failed record (skip mode excluded)', async () => {
    const b = makeBatch(3);
    const daemon = await started(
      {
        processRecord: (r) => {
          if (r.partitionKey === 'pk-2') throw new Error('fail');
        },
      },
      { checkpoint: { everyRecords: 1 }, errors: { ...QUICK, retries: 0 } },
    );
    await expect(daemon.send(b)).rejects.toThrow(/closed stdout/);
    expect(daemon.daemonState.lastCheckpoint).toBeNull();
  });

  it('shutdownRequested checkpoints the last record processed unless the processor checkpointed', async () => {
    const b = makeBatch(3);
    const auto = await started({ processRecords: () => undefined }, { checkpoint: { everyRecords: 1000 } });
    await auto.send(b);
    expect((await auto.send({ action: 'shutdownRequested' })).messages).toEqual([
      { action: 'checkpoint', sequenceNumber: b.records[2]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'shutdownRequested' },
    ]);
    await auto.close();

    const own = await started(
      { processRecords: () => undefined, shutdownRequested: ({ checkpointer }) => checkpointer.checkpoint(b.records[0]!) },
      { checkpoint: { everyRecords: 1000 } },
    );
    await own.send(b);
    expect((await own.send({ action: 'shutdownRequested' })).messages).toEqual([
      { action: 'checkpoint', sequenceNumber: b.records[0]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'shutdownRequested' },
    ]);
    await own.close();
  });

  it('shardEnded checkpoints the shard end (null) unless the processor did', async () => {
    const auto = await started({ processRecords: () => undefined });
    await auto.send(makeBatch(2));
    expect(checkpointsOf(await auto.send({ action: 'shardEnded' }))).toEqual([[null, null]]);
    await auto.close();

    const own = await started({ processRecords: () => undefined, shardEnded: ({ checkpointer }) => checkpointer.checkpoint() });
    await own.send(makeBatch(2));
    expect(checkpointsOf(await own.send({ action: 'shardEnded' }))).toEqual([[null, null]]);
    await own.close();

    // Checkpointing the last record is not the shard end: the engine still sends null.
    const b = makeBatch(2);
    const last = await started({ processRecords: () => undefined, shardEnded: ({ checkpointer }) => checkpointer.checkpoint(b.records[1]!) });
    await last.send(b);
    expect(checkpointsOf(await last.send({ action: 'shardEnded' }))).toEqual([[b.records[1]!.sequenceNumber, 0], [null, null]]);
    await last.close();
  });

  it('a failing shardEnded handler does not mark the shard complete', async () => {
    const daemon = await started({ processRecords: () => undefined, shardEnded: () => Promise.reject(new Error('flush failed')) }, { errors: { ...QUICK, retries: 0 } });
    await expect(daemon.send({ action: 'shardEnded' })).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(/shardEnded failed.*flush failed/);
  });
});

function checkpointsOf(x: { messages: { action: string }[] }) {
  return x.messages.filter((m): m is { action: 'checkpoint'; sequenceNumber: string | null; subSequenceNumber: number | null } => m.action === 'checkpoint').map((m) => [m.sequenceNumber, m.subSequenceNumber]);
}
