import { describe, expect, it } from 'vitest';
import type { KinesisRecord, ProcessRecordsInput, RecordProcessor, SkippedRecords } from '../../src/index.js';
import { FakeDaemon, makeBatch, makeRecord } from '../../src/testing/index.js';
import { QUICK, SHARD, initialize, started } from '../helpers.js';

const statuses = (messages: { action: string }[]) => messages.filter((m) => m.action === 'status');
const checkpoints = (messages: { action: string; sequenceNumber?: string | null; subSequenceNumber?: number | null }[]) =>
  messages.filter((m) => m.action === 'checkpoint').map((m) => [m.sequenceNumber, m.subSequenceNumber]);

describe('dispatch', () => {
  it('calls each handler with typed input and answers each action with its status', async () => {
    const calls: string[] = [];
    let seen: KinesisRecord[] = [];
    const processor: RecordProcessor = {
      initialize: (input) => void calls.push(`initialize ${input.shardId} ${input.sequenceNumber} ${input.subSequenceNumber}`),
      processRecords: async (input) => {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(`processRecords ${input.records.length} ${input.millisBehindLatest}`);
        seen = [...input.records];
      },
      shutdownRequested: () => void calls.push('shutdownRequested'),
      leaseLost: () => void calls.push('leaseLost'),
    };
    const daemon = FakeDaemon.inProcess(processor, { checkpoint: 'manual' });
    expect((await daemon.send(initialize('TRIM_HORIZON', 0))).messages).toEqual([{ action: 'status', responseFor: 'initialize' }]);
    const batch = { action: 'processRecords', millisBehindLatest: 1234, records: [makeRecord({ data: 'héllo', partitionKey: 'pk-1', sequenceNumber: '49680505993805844606337336502500757501366790287444148226', approximateArrivalTimestamp: 1795480041377 }), makeRecord({ data: { a: 1 }, sequenceNumber: '49680505993805844606337336502500757501366790287444148227', subSequenceNumber: 4, approximateArrivalTimestamp: null })] };
    expect((await daemon.send(batch)).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    expect((await daemon.send({ action: 'shutdownRequested' })).messages).toEqual([{ action: 'status', responseFor: 'shutdownRequested' }]);
    expect((await daemon.send({ action: 'leaseLost' })).messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    expect((await daemon.close()).exitCode).toBe(0);
    expect(calls).toEqual([`initialize ${SHARD} TRIM_HORIZON 0`, 'processRecords 2 1234', 'shutdownRequested', 'leaseLost']);
    const [a, b] = seen;
    expect(a!.data).toEqual(Buffer.from('héllo'));
    expect(a!.text()).toBe('héllo');
    expect(a!.partitionKey).toBe('pk-1');
    expect(a!.sequenceNumber).toBe('49680505993805844606337336502500757501366790287444148226');
    expect(a!.subSequenceNumber).toBe(0);
    expect(a!.approximateArrivalTimestamp).toEqual(new Date(1795480041377));
    expect(b!.json()).toEqual({ a: 1 });
    expect(b!.subSequenceNumber).toBe(4);
    expect(b!.approximateArrivalTimestamp).toBeUndefined();
  });

  it.each([
    ['ZOMBIE', 'leaseLost'],
    ['TERMINATE', 'shardEnded'],
    ['REQUESTED', 'shutdownRequested'],
  ])('maps the legacy shutdown %s to %s and answers responseFor "shutdown"', async (reason, handler) => {
    const calls: string[] = [];
    const daemon = await started({
      processRecords: () => undefined,
      leaseLost: () => void calls.push('leaseLost'),
      shardEnded: () => void calls.push('shardEnded'),
      shutdownRequested: () => void calls.push('shutdownRequested'),
    });
    await daemon.send(makeBatch(2));
    const x = await daemon.send({ action: 'shutdown', reason });
    expect(statuses(x.messages)).toEqual([{ action: 'status', responseFor: 'shutdown' }]);
    expect(calls).toEqual([handler]);
    if (reason === 'TERMINATE') expect(checkpoints(x.messages)).toEqual([[null, null]]);
    if (reason === 'ZOMBIE') expect(checkpoints(x.messages)).toEqual([]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('answers a well-formed unknown action with a status for it, calling nothing', async () => {
    const daemon = await started({ processRecords: () => undefined });
    expect((await daemon.send({ action: 'rebalance', hint: 1 })).messages).toEqual([{ action: 'status', responseFor: 'rebalance' }]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('handles actions strictly one at a time, in order', async () => {
    const log: string[] = [];
    const daemon = await started({
      processRecords: async (input) => {
        log.push(`start ${input.records[0]!.sequenceNumber}`);
        await new Promise((r) => setTimeout(r, 20));
        log.push(`end ${input.records[0]!.sequenceNumber}`);
      },
    });
    await daemon.send(makeBatch(1, 0));
    await daemon.send(makeBatch(1, 1));
    await daemon.close();
    expect(log.map((l) => l.split(' ')[0])).toEqual(['start', 'end', 'start', 'end']);
  });

  it('finishes the action in hand at end of input, then exits 0', async () => {
    let finished = false;
    const daemon = await started({
      processRecords: async () => {
        await new Promise((r) => setTimeout(r, 50));
        finished = true;
      },
    });
    const sending = daemon.send(makeBatch(3));
    const end = daemon.close();
    expect((await sending).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    expect((await end).exitCode).toBe(0);
    expect(finished).toBe(true);
  });
});

describe('out-of-order actions', () => {
  it('fails on processRecords before initialize, naming it', async () => {
    const daemon = FakeDaemon.inProcess({ processRecords: () => undefined }, {}, { timeoutMs: 2000 });
    await expect(daemon.send(makeBatch(1))).rejects.toThrow(/closed stdout/);
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    expect(end.stderr).toMatch(/processRecords: arrived before initialize/);
  });

  it('fails on a second initialize', async () => {
    const daemon = await started({ processRecords: () => undefined });
    await expect(daemon.send(initialize())).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(/a second initialize/);
  });

  it('fails on processRecords after the lease ended', async () => {
    const daemon = await started({ processRecords: () => undefined });
    await daemon.send({ action: 'leaseLost' });
    await expect(daemon.send(makeBatch(1))).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(/processRecords: arrived after the lease ended/);
  });

  it('answers an ending action after the end (or before initialize) without calling the processor', async () => {
    let lost = 0;
    const daemon = FakeDaemon.inProcess({ processRecords: () => undefined, leaseLost: () => void lost++ }, { checkpoint: 'manual' });
    expect((await daemon.send({ action: 'leaseLost' })).messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    await daemon.send(initialize());
    await daemon.send({ action: 'shardEnded' });
    expect((await daemon.send({ action: 'leaseLost' })).messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    expect(lost).toBe(0);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('ignores a checkpoint reply nobody asked for', async () => {
    const daemon = await started({ processRecords: () => undefined });
    daemon.writeRaw('{"action":"checkpoint","sequenceNumber":"1","subSequenceNumber":null,"error":null}\n');
    expect((await daemon.send(makeBatch(1))).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    expect((await daemon.close()).exitCode).toBe(0);
  });
});

describe('the error policy', () => {
  it('retries a failed batch and succeeds, checkpointing only after success', async () => {
    let tries = 0;
    const daemon = await started(
      {
        processRecords: () => {
          if (++tries < 3) throw new Error('flaky');
        },
      },
      { errors: QUICK, checkpoint: { everyRecords: 1 } },
    );
    const x = await daemon.send(makeBatch(5));
    expect(tries).toBe(3);
    expect(checkpoints(x.messages)).toEqual([[makeBatch(5).records[4]!.sequenceNumber, 0]]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('per record: retries from the failed record, never re-processing the ones before it', async () => {
    const processed: string[] = [];
    let failures = 0;
    const daemon = await started(
      {
        processRecord: (record) => {
          if (record.partitionKey === 'pk-2' && failures++ < 2) throw new Error('boom');
          processed.push(record.partitionKey);
        },
      },
      { errors: QUICK, checkpoint: { everyRecords: 1 } },
    );
    await daemon.send(makeBatch(4));
    expect(processed).toEqual(['pk-0', 'pk-1', 'pk-2', 'pk-3']);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('exits non-zero after the retries, without checkpointing past the failed record', async () => {
    const batch = makeBatch(4);
    const daemon = await started(
      {
        processRecord: (record, ctx) => {
          if (record.partitionKey === 'pk-2') throw new Error('poison');
          return record.partitionKey === 'pk-1' ? ctx.checkpointer.checkpoint(record).then(() => false) : false;
        },
      },
      { errors: QUICK, checkpoint: { everyRecords: 1 } },
    );
    await expect(daemon.send(batch)).rejects.toThrow(/closed stdout/);
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    expect(end.stderr).toContain('processRecord failed 3 time(s)');
    expect(end.stderr).toContain(`at sequence number ${batch.records[2]!.sequenceNumber}`);
    expect(end.stderr).toContain('poison');
    // The only checkpoint is the processor's own, at pk-1: nothing at or past pk-2.
    expect(daemon.daemonState.lastCheckpoint).toEqual({ sequenceNumber: batch.records[1]!.sequenceNumber, subSequenceNumber: 0 });
  });

  it('batch: a failure in the middle retries from after the processor’s own checkpoint', async () => {
    const batch = makeBatch(6);
    const given: number[] = [];
    let tries = 0;
    const daemon = await started(
      {
        processRecords: async (input: ProcessRecordsInput) => {
          given.push(input.records.length);
          if (tries++ === 0) {
            await input.checkpointer.checkpoint(input.records[2]!);
            throw new Error('failed after record 2');
          }
        },
      },
      { errors: QUICK },
    );
    await daemon.send(batch);
    expect(given).toEqual([6, 3]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('skip mode hands the failed record to the dead-letter hook and moves on', async () => {
    const skipped: SkippedRecords[] = [];
    const processed: string[] = [];
    const daemon = await started(
      {
        processRecord: (record) => {
          if (record.partitionKey === 'pk-1') throw new Error('bad record');
          processed.push(record.partitionKey);
        },
      },
      { errors: { ...QUICK, mode: 'skip', onSkip: (s) => void skipped.push(s) }, checkpoint: { everyRecords: 1 } },
    );
    const batch = makeBatch(3);
    const x = await daemon.send(batch);
    expect(processed).toEqual(['pk-0', 'pk-2']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.records.map((r) => r.partitionKey)).toEqual(['pk-1']);
    expect(skipped[0]!.attempts).toBe(3);
    expect(skipped[0]!.shardId).toBe(SHARD);
    expect((skipped[0]!.error as Error).message).toBe('bad record');
    expect(checkpoints(x.messages)).toEqual([[batch.records[2]!.sequenceNumber, 0]]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('skip mode: a throwing dead-letter hook fails the child', async () => {
    const daemon = await started(
      { processRecords: () => Promise.reject(new Error('nope')) },
      { errors: { ...QUICK, mode: 'skip', onSkip: () => Promise.reject(new Error('DLQ down')) } },
    );
    await expect(daemon.send(makeBatch(2))).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(/errors.onSkip failed for 2 record\(s\).*DLQ down/);
  });

  it('a failing initialize is retried, then fails the child', async () => {
    let tries = 0;
    const failing = FakeDaemon.inProcess(
      {
        initialize: () => {
          tries++;
          throw new Error('cannot connect');
        },
        processRecords: () => undefined,
      },
      { errors: QUICK },
      { timeoutMs: 3000 },
    );
    await expect(failing.send(initialize())).rejects.toThrow(/closed stdout/);
    expect(tries).toBe(3);
    expect((await failing.exited()).stderr).toMatch(/initialize failed 3 time\(s\).*cannot connect/);
  });
});

describe('processor shape', () => {
  it.each([
    [{}, /neither processRecords/],
    [{ processRecords: () => undefined, processRecord: () => undefined }, /both processRecords and processRecord/],
  ])('refuses a processor %#', async (processor, message) => {
    const daemon = FakeDaemon.inProcess(processor as RecordProcessor, {}, { timeoutMs: 2000 });
    await expect(daemon.send(initialize())).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(message);
  });

  it.each([
    [{ checkpoint: { everyRecords: 0 } }, /checkpoint.everyRecords must be an integer ≥ 1/],
    [{ checkpoint: { everySecond: 5 } }, /unknown option checkpoint.everySecond/],
    [{ checkpoint: { manual: true, everyRecords: 5 } }, /cannot be combined/],
    [{ errors: { mode: 'skip' } }, /needs errors.onSkip/],
    [{ errors: { retries: -1 } }, /errors.retries must be an integer ≥ 0/],
    [{ logLevel: 'loud' }, /logLevel must be one of/],
    [{ memory: { collectAfterBytes: 1 } }, /unknown option memory.collectAfterBytes \(known: collectAfterBatchBytes, youngGenerationMB\)/],
    [{ memory: { youngGenerationMB: -8 } }, /memory.youngGenerationMB must be an integer ≥ 0, got -8/],
    [{ memory: true }, /option memory must be an object or false, got true/],
  ])('refuses bad options %#', async (options, message) => {
    const daemon = FakeDaemon.inProcess({ processRecords: () => undefined }, options as never, { timeoutMs: 2000 });
    await expect(daemon.send(initialize())).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(message);
  });
});
