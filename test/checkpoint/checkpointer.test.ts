import { describe, expect, it } from 'vitest';
import { CheckpointError, type Checkpointer, type ProcessRecordsInput } from '../../src/index.js';
import { makeBatch, makeRecord } from '../../src/testing/index.js';
import { started } from '../helpers.js';

const batch = makeBatch(5);
const seq = (i: number) => batch.records[i]!.sequenceNumber;

/** A processor whose processRecords runs `body` with the checkpointer. */
function withCheckpointer(body: (input: ProcessRecordsInput) => Promise<void>) {
  return { processRecords: body };
}

describe('checkpoint() forms', () => {
  it('sends null, a sequence number with or without sub-sequence, or a record’s position; resolves on confirmation', async () => {
    const kpl = [makeRecord({ sequenceNumber: '100', subSequenceNumber: 0 }), makeRecord({ sequenceNumber: '100', subSequenceNumber: 1 }), makeRecord({ sequenceNumber: '100', subSequenceNumber: 2 })];
    const daemon = await started(
      withCheckpointer(async ({ checkpointer, records }) => {
        await checkpointer.checkpoint('100');
        await checkpointer.checkpoint('100', 1);
        await checkpointer.checkpoint(records[2]!);
        await checkpointer.checkpoint();
      }),
    );
    const x = await daemon.send({ action: 'processRecords', records: kpl, millisBehindLatest: 0 });
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: '100', subSequenceNumber: null },
      { action: 'checkpoint', sequenceNumber: '100', subSequenceNumber: 1 },
      { action: 'checkpoint', sequenceNumber: '100', subSequenceNumber: 2 },
      { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    expect(x.replies.every((r) => r.error === null)).toBe(true);
    await daemon.close();
  });

  it('rejects with the daemon’s error code', async () => {
    let caught: unknown;
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        try {
          await checkpointer.checkpoint('99999999999999999999999999999999999999999999999999999999');
        } catch (err) {
          caught = err;
        }
      }),
    );
    await daemon.send(batch);
    expect(caught).toBeInstanceOf(CheckpointError);
    expect((caught as CheckpointError).code).toBe('IllegalArgumentException');
    expect((caught as CheckpointError).message).toContain('99999999999999999999999999999999999999999999999999999999');
    await daemon.close();
  });

  it.each([['notanumber'], ['-5'], ['1.5'], ['']])('refuses %j locally, writing nothing', async (bad) => {
    let caught: unknown;
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        await (checkpointer.checkpoint(bad) as Promise<void>).catch((e: unknown) => (caught = e));
      }),
    );
    const x = await daemon.send(batch);
    expect((caught as CheckpointError).code).toBe('InvalidArgument');
    expect(x.messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    await daemon.close();
  });
});

describe('one checkpoint at a time', () => {
  it('queues concurrent calls and sends them in call order, each after the previous reply', async () => {
    const order: string[] = [];
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        await Promise.all([
          checkpointer.checkpoint(seq(0)).then(() => order.push('a')),
          checkpointer.checkpoint(seq(2)).then(() => order.push('b')),
          checkpointer.checkpoint(seq(4)).then(() => order.push('c')),
        ]);
      }),
    );
    const x = await daemon.send(batch);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(x.messages.map((m) => m.action)).toEqual(['checkpoint', 'checkpoint', 'checkpoint', 'status']);
    expect(x.replies.map((r) => r.sequenceNumber)).toEqual([seq(0), seq(2), seq(4)]);
    await daemon.close();
  });
});

describe('when the daemon is not waiting', () => {
  it('refuses a checkpoint after the handler returned, at once and without writing', async () => {
    let saved: Checkpointer | undefined;
    const daemon = await started(withCheckpointer(async ({ checkpointer }) => void (saved = checkpointer)));
    await daemon.send(batch);
    const error = await saved!.checkpoint().catch((e: unknown) => e);
    expect((error as CheckpointError).code).toBe('CheckpointerClosed');
    expect((error as Error).message).toMatch(/not waiting on this processor/);
    // Nothing was written: the next exchange holds only its own status.
    expect((await daemon.send({ action: 'leaseLost' })).messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    await daemon.close();
  });

  it('waits for a checkpoint left running when the handler returns before writing the status', async () => {
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        void checkpointer.checkpoint(seq(1)); // not awaited
      }),
    );
    const x = await daemon.send(batch);
    expect(x.messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    await daemon.close();
  });
});

describe('retries', () => {
  it('retries ThrottlingException and KinesisClientLibDependencyException with backoff, then succeeds', async () => {
    const daemon = await started(withCheckpointer(({ checkpointer }) => checkpointer.checkpoint(seq(4))), { checkpoint: { manual: true, retries: 3, backoffMs: 1, maxBackoffMs: 2 } });
    daemon.queuedAnswers.push('ThrottlingException', 'KinesisClientLibDependencyException', 'ThrottlingException');
    const x = await daemon.send(batch);
    expect(x.replies.map((r) => r.error)).toEqual(['ThrottlingException', 'KinesisClientLibDependencyException', 'ThrottlingException', null]);
    expect(x.messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
    await daemon.close();
  });

  it('gives up after the configured number of retries and reports the code and tries', async () => {
    let caught: CheckpointError | undefined;
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        await checkpointer.checkpoint(seq(4)).catch((e: CheckpointError) => void (caught = e));
      }),
      { checkpoint: { manual: true, retries: 2, backoffMs: 1, maxBackoffMs: 2 } },
    );
    daemon.queuedAnswers.push('ThrottlingException', 'ThrottlingException', 'ThrottlingException', 'ThrottlingException');
    const x = await daemon.send(batch);
    expect(x.replies).toHaveLength(3);
    expect(caught!.code).toBe('ThrottlingException');
    expect(caught!.attempts).toBe(3);
    await daemon.close();
  });

  it.each(['ShutdownException', 'InvalidStateException'])('does not retry %s and stops the policy for the lease', async (code) => {
    const daemon = await started({ processRecords: () => undefined }, { checkpoint: { everyRecords: 1 } });
    daemon.queuedAnswers.push(code);
    const first = await daemon.send(makeBatch(2, 0));
    expect(first.replies.map((r) => r.error)).toEqual([code]);
    // The lease is gone: later batches are answered without any checkpoint.
    const second = await daemon.send(makeBatch(2, 2));
    expect(second.messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    const end = await daemon.send({ action: 'shutdownRequested' });
    expect(end.messages).toEqual([{ action: 'status', responseFor: 'shutdownRequested' }]);
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('a processor whose checkpoint fails because the lease is gone is not retried or failed', async () => {
    let calls = 0;
    const daemon = await started(
      withCheckpointer(async ({ checkpointer }) => {
        calls++;
        await checkpointer.checkpoint();
      }),
    );
    daemon.queuedAnswers.push('ShutdownException');
    const x = await daemon.send(batch);
    expect(calls).toBe(1);
    expect(x.messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
    expect((await daemon.close()).exitCode).toBe(0);
  });
});

describe('where there is no checkpointer', () => {
  it('the checkpointer of a past batch cannot be used during leaseLost', async () => {
    let saved: Checkpointer | undefined;
    let during: unknown;
    const daemon = await started({
      processRecords: ({ checkpointer }) => void (saved = checkpointer),
      leaseLost: async () => {
        during = await saved!.checkpoint().catch((e: unknown) => e);
      },
    });
    await daemon.send(batch);
    const x = await daemon.send({ action: 'leaseLost' });
    expect((during as CheckpointError).code).toBe('CheckpointerClosed');
    expect(x.messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
    await daemon.close();
  });
});
