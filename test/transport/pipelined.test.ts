/**
 * A daemon that writes actions back to back (without waiting for each status) while the
 * child waits for a checkpoint reply: every line is kept and handled in order; nothing
 * is taken for the reply that is not one, and nothing is dropped.
 */
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { run, type RecordProcessor } from '../../src/index.js';
import { makeBatch } from '../../src/testing/index.js';
import { onJsonLines } from '../helpers.js';

const silent = pino({ level: 'silent' });
const INIT = { action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

interface Session {
  input: PassThrough;
  lines: () => { action: string; [key: string]: unknown }[];
  done: Promise<Error | undefined>;
}

/** run() on memory streams; `answer` decides the reply written for each checkpoint request. */
function session(processor: RecordProcessor, answer: (request: { sequenceNumber: string | null }) => string | undefined = (r) => JSON.stringify({ action: 'checkpoint', sequenceNumber: r.sequenceNumber, subSequenceNumber: 0, error: null })): Session {
  const input = new PassThrough();
  const output = new PassThrough();
  const seen: { action: string; [key: string]: unknown }[] = [];
  onJsonLines<{ action: string; sequenceNumber: string | null }>(output, (message) => {
    seen.push(message);
    if (message.action === 'checkpoint') {
      const reply = answer(message);
      if (reply !== undefined) input.write(`${reply}\n`);
    }
  });
  const done = run(processor, { input, output, logger: silent, checkpoint: 'manual' }).then(
    () => undefined,
    (err: Error) => err,
  );
  return { input, lines: () => seen, done };
}

const perRecord = (processed: string[]): RecordProcessor => ({
  async processRecord(record, { checkpointer }) {
    processed.push(record.sequenceNumber);
    await checkpointer.checkpoint(record);
  },
});

describe('actions written back to back while a checkpoint reply is awaited', () => {
  it('are kept and handled in order: every batch processed, every action answered once, in order', async () => {
    const processed: string[] = [];
    const s = session(perRecord(processed));
    const first = makeBatch(2, 0);
    const second = makeBatch(3, 2);
    // Everything at once, before any status: the second batch arrives while the first one's checkpoint waits.
    s.input.write([INIT, first, second, { action: 'shutdownRequested' }, { action: 'leaseLost' }].map((m) => `${JSON.stringify(m)}\n`).join(''));
    await expect.poll(() => s.lines().filter((m) => m.action === 'status').length, { timeout: 3000 }).toBe(5);
    s.input.end();
    expect(await s.done).toBeUndefined();
    expect(processed).toEqual([...first.records, ...second.records].map((r) => r.sequenceNumber));
    expect(s.lines().filter((m) => m.action === 'status').map((m) => m.responseFor)).toEqual(['initialize', 'processRecords', 'processRecords', 'shutdownRequested', 'leaseLost']);
    // Each checkpoint comes before the status of the batch it belongs to.
    const order = s.lines().map((m) => (m.action === 'status' ? `status:${String(m.responseFor)}` : `checkpoint:${String(m.sequenceNumber)}`));
    expect(order).toEqual([
      'status:initialize',
      ...first.records.map((r) => `checkpoint:${r.sequenceNumber}`),
      'status:processRecords',
      ...second.records.map((r) => `checkpoint:${r.sequenceNumber}`),
      'status:processRecords',
      'status:shutdownRequested',
      'status:leaseLost',
    ]);
  });

  it('a bad line met while the reply is awaited fails the run, naming it, even when the processor catches the checkpoint error', async () => {
    const caught: string[] = [];
    const processor: RecordProcessor = {
      async processRecord(record, { checkpointer }) {
        await checkpointer.checkpoint(record).catch((err: Error) => void caught.push(err.name));
      },
    };
    // No reply is ever written: the bad line is what the child reads next.
    const s = session(processor, () => undefined);
    s.input.write(`${JSON.stringify(INIT)}\n${JSON.stringify(makeBatch(1))}\n{"action":"processRecords","records":"not a list"}\n`);
    const err = await s.done;
    expect(err?.name).toBe('ProtocolError');
    expect(err?.message).toMatch(/processRecords/);
    expect(err?.message).toMatch(/records/);
    expect(caught).toEqual(['ProtocolError']);
    // The batch itself was processed (only its checkpoint failed), so it is answered; nothing after the bad line is.
    expect(s.lines().filter((m) => m.action === 'status').map((m) => m.responseFor)).toEqual(['initialize', 'processRecords']);
  });

  it('input that ends while a reply is awaited: the checkpoint fails with ConnectionClosed and the early actions are still answered', async () => {
    const errors: string[] = [];
    const processor: RecordProcessor = {
      async processRecord(record, { checkpointer }) {
        await checkpointer.checkpoint(record).catch((err: { code?: string }) => void errors.push(String(err.code)));
      },
    };
    const s = session(processor, () => undefined);
    s.input.end([INIT, makeBatch(1), { action: 'leaseLost' }].map((m) => `${JSON.stringify(m)}\n`).join(''));
    expect(await s.done).toBeUndefined();
    expect(errors).toEqual(['ConnectionClosed']);
    expect(s.lines().filter((m) => m.action === 'status').map((m) => m.responseFor)).toEqual(['initialize', 'processRecords', 'leaseLost']);
  });
});

describe('a checkpoint reply while an action is awaited', () => {
  it('is skipped (it answers nothing) and the next action is handled', async () => {
    const processed: string[] = [];
    const s = session(perRecord(processed));
    const batch = makeBatch(1);
    s.input.write([INIT, { action: 'checkpoint', sequenceNumber: '1', subSequenceNumber: 0, error: null }, batch].map((m) => `${JSON.stringify(m)}\n`).join(''));
    await expect.poll(() => s.lines().filter((m) => m.action === 'status').length, { timeout: 3000 }).toBe(2);
    s.input.end();
    expect(await s.done).toBeUndefined();
    expect(processed).toEqual([batch.records[0]!.sequenceNumber]);
  });
});
