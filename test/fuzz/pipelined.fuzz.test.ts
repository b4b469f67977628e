/**
 * Property-based: a daemon that writes its actions back to back, mixes in replies of the
 * wrong kind (stray checkpoint replies, unknown actions), answers each checkpoint late,
 * or closes its end of stdout at a random point. For every input the child must, within
 * a deadline: handle every action exactly once and in order, answer each with its
 * status, never checkpoint past a record it did not finish, or fail with one clear error.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { comparePositions, run, type KinesisRecord, type RecordProcessor } from '../../src/index.js';
import { onJsonLines } from '../helpers.js';

const silent = pino({ level: 'silent' });
const SEED = 20261201;
const INIT = { action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

type Step = { kind: 'batch'; size: number } | { kind: 'stray' } | { kind: 'unknown' };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }).map((size): Step => ({ kind: 'batch', size })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'stray' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'unknown' }) },
);

interface Outcome {
  error: Error | undefined;
  settled: boolean;
  statuses: string[];
  checkpoints: string[];
  handled: string[];
  finished: KinesisRecord[];
}

async function drive(steps: Step[], end: string, style: 'each' | 'batch', closeAfter: number | undefined): Promise<Outcome> {
  const input = new PassThrough();
  const output = new PassThrough();
  const statuses: string[] = [];
  const checkpoints: string[] = [];
  const handled: string[] = [];
  const finished: KinesisRecord[] = [];
  let written = 0;
  onJsonLines<{ action: string; responseFor?: string; sequenceNumber?: string | null }>(output, (m) => {
    if (closeAfter !== undefined && ++written >= closeAfter) output.destroy();
    if (m.action === 'status') statuses.push(m.responseFor!);
    else {
      checkpoints.push(String(m.sequenceNumber));
      // A late answer: by now every pipelined line is already in the child's input.
      setImmediate(() => input.write(`${JSON.stringify({ action: 'checkpoint', sequenceNumber: m.sequenceNumber, subSequenceNumber: 0, error: null })}\n`));
    }
  });
  const processor: RecordProcessor =
    style === 'each'
      ? {
          async processRecord(record, { checkpointer }) {
            finished.push(record);
            handled.push(record.sequenceNumber);
            await checkpointer.checkpoint(record);
          },
        }
      : {
          async processRecords({ records, checkpointer }) {
            finished.push(...records);
            handled.push(...records.map((r) => r.sequenceNumber));
            if (records.length > 0) await checkpointer.checkpoint(records[records.length - 1]!);
          },
        };
  let settled = false;
  let error: Error | undefined;
  const running = run(processor, { input, output, logger: silent, checkpoint: 'manual', errors: { retries: 0 } }).then(
    () => void (settled = true),
    (e: Error) => void ((settled = true), (error = e)),
  );
  let n = 0;
  const lines = [INIT];
  for (const s of steps) {
    if (s.kind === 'batch') {
      lines.push({ action: 'processRecords', records: Array.from({ length: s.size }, () => ({ data: 'eA==', partitionKey: 'k', sequenceNumber: String(7000 + n++), subSequenceNumber: 0, approximateArrivalTimestamp: null })), millisBehindLatest: 0 } as never);
    } else if (s.kind === 'stray') {
      lines.push({ action: 'checkpoint', sequenceNumber: '1', subSequenceNumber: 0, error: null } as never);
    } else {
      lines.push({ action: 'somethingNew', x: 1 } as never);
    }
  }
  lines.push({ action: end } as never);
  input.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  // The daemon closes stdin once every action is answered (or the child has failed).
  const expected = lines.filter((l) => l.action !== 'checkpoint').length;
  const deadline = Date.now() + 3000;
  while (!settled && statuses.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  input.end();
  await Promise.race([running, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  return { error, settled, statuses, checkpoints, handled, finished };
}

describe('fuzzing a pipelining daemon', () => {
  it('every action handled once, in order, and answered; no checkpoint passes an unfinished record; a closed stdout ends the run clearly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 8 }),
        fc.constantFrom('leaseLost', 'shardEnded', 'shutdownRequested'),
        fc.constantFrom<'each' | 'batch'>('each', 'batch'),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        async (steps, end, style, closeAfter) => {
          const o = await drive(steps, end, style, closeAfter);
          expect(o.settled).toBe(true);
          for (const c of o.checkpoints) {
            if (c === 'null') continue;
            expect(o.finished.some((r) => comparePositions(r, { sequenceNumber: c, subSequenceNumber: 0 }) === 0)).toBe(true);
          }
          const sent = steps.filter((s) => s.kind === 'batch').reduce((sum, s) => sum + (s as { size: number }).size, 0);
          const all = Array.from({ length: sent }, (_, i) => String(7000 + i));
          // In order, each record at most once; all of them unless the run failed.
          expect(o.handled).toEqual(all.slice(0, o.handled.length));
          const actions = ['initialize', ...steps.filter((s) => s.kind !== 'stray').map((s) => (s.kind === 'batch' ? 'processRecords' : 'somethingNew')), end];
          expect(o.statuses).toEqual(actions.slice(0, o.statuses.length));
          if (o.error === undefined) {
            expect(o.handled).toEqual(all);
            expect(o.statuses).toEqual(actions);
          } else {
            expect(closeAfter).toBeDefined();
            expect(o.error.name).toBe('OutputClosedError');
            expect(o.error.message).toMatch(/^could not write (the status for \w+|a checkpoint message)/);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  }, 120_000);
});
