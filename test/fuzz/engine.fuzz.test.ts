/**
 * Property-based fuzzing of the engine with generated and mutated daemon input. For every
 * input the child must, within a deadline: answer as the protocol says or fail with one
 * clear error; write nothing but well-formed protocol messages; and never checkpoint past
 * a record its processor did not finish. Bounded: a fixed seed and run count per property.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { comparePositions, run, type KinesisRecord, type RecordProcessor } from '../../src/index.js';
import { DaemonError, FakeDaemon } from '../../src/testing/index.js';
import { parseChildLine } from '../../src/testing/strict-parse.js';

const silent = pino({ level: 'silent' });
const SEED = 20261124;

// ---- generators --------------------------------------------------------------------

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${min - 1},${max - 1}}$`));
const sequenceNumber = fc.oneof(digits(1, 128), fc.constantFrom('TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END'));
const base64ish = fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 20 }));

const record = fc.record({
  data: base64ish,
  partitionKey: fc.string({ maxLength: 10 }),
  sequenceNumber: digits(1, 60),
  approximateArrivalTimestamp: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 45 })),
  subSequenceNumber: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })),
  action: fc.constant('record'),
});

const action = fc.oneof(
  fc.record({ action: fc.constant('initialize'), shardId: fc.constantFrom('shardId-000000000000', 's'), sequenceNumber: fc.oneof(fc.constant(null), sequenceNumber), subSequenceNumber: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 })) }),
  fc.record({ action: fc.constant('processRecords'), records: fc.array(record, { maxLength: 8 }), millisBehindLatest: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 2 ** 40 })) }),
  fc.constantFrom({ action: 'leaseLost' }, { action: 'shardEnded' }, { action: 'shutdownRequested' }),
  fc.record({ action: fc.constant('shutdown'), reason: fc.constantFrom('TERMINATE', 'ZOMBIE', 'REQUESTED') }),
  fc.record({ action: fc.constantFrom('checkpoint'), sequenceNumber: fc.oneof(fc.constant(null), digits(1, 20)), subSequenceNumber: fc.constant(null), error: fc.oneof(fc.constant(null), fc.constant('ThrottlingException')) }),
  fc.record({ action: fc.string({ minLength: 1, maxLength: 12 }).filter((a) => !['initialize', 'processRecords', 'leaseLost', 'shardEnded', 'shutdownRequested', 'shutdown', 'checkpoint'].includes(a)), extra: fc.integer() }),
);

/** A line the daemon could send, or a broken one. Returned as bytes (some are not UTF-8). */
const line: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: action.map((a) => Buffer.from(`${JSON.stringify(a)}\n`)) },
  { weight: 1, arbitrary: fc.tuple(action, fc.nat()).map(([a, cut]) => { const t = JSON.stringify(a); return Buffer.from(`${t.slice(0, cut % t.length)}\n`); }) },
  { weight: 1, arbitrary: action.map((a) => Buffer.from(`${JSON.stringify(a)}\r\n`)) },
  { weight: 1, arbitrary: fc.constantFrom('\n', '   \n', '\t\r\n', '\0\n', 'null\n', '[]\n', '"x"\n', '{}\n', '{"action":null}\n').map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: action.map((a) => Buffer.concat([Buffer.from(JSON.stringify(a).slice(0, 5)), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('\n')])) },
  { weight: 1, arbitrary: fc.tuple(action, fc.constantFrom('shardId', 'records', 'reason', 'sequenceNumber'), fc.oneof(fc.integer(), fc.constant(null), fc.constant('x'), fc.double())).map(([a, k, v]) => Buffer.from(`${JSON.stringify({ ...a, [k]: v })}\n`)) },
);

// ---- the child under test ----------------------------------------------------------

interface Outcome {
  settled: boolean;
  error: Error | undefined;
  stdout: string;
  finished: KinesisRecord[];
}

async function feed(lines: Buffer[], processor: (finished: KinesisRecord[]) => RecordProcessor, deadlineMs = 3000): Promise<Outcome> {
  const input = new PassThrough();
  const output = new PassThrough();
  let stdout = '';
  output.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const finished: KinesisRecord[] = [];
  let error: Error | undefined;
  let settled = false;
  const running = run(processor(finished), { input, output, logger: silent, checkpoint: { everyRecords: 1, retries: 1, backoffMs: 0 }, errors: { retries: 0 } }).then(
    () => void (settled = true),
    (e: Error) => void ((settled = true), (error = e)),
  );
  for (const l of lines) input.write(l);
  input.end();
  await Promise.race([running, new Promise((r) => setTimeout(r, deadlineMs))]);
  return { settled, error, stdout, finished };
}

const tracking = (finished: KinesisRecord[]): RecordProcessor => ({
  processRecord(r) {
    if (r.partitionKey === 'FAIL') throw new Error('processor failure');
    finished.push(r);
  },
});

function checkOutput(o: Outcome): void {
  expect(o.settled).toBe(true);
  for (const l of o.stdout.split('\n')) {
    const parsed = parseChildLine(l);
    expect(parsed.kind === 'skipped' ? `skipped: ${parsed.reason}: ${l}` : 'ok').toBe('ok');
  }
  if (o.error !== undefined) {
    expect(['ProtocolError', 'ProcessorFailedError']).toContain(o.error.name);
    expect(o.error.message.length).toBeGreaterThan(10);
    expect(o.error.message).not.toContain('\n');
  }
  // Every checkpoint at a position is at a record the processor finished.
  for (const l of o.stdout.split('\n')) {
    if (!l.startsWith('{"action":"checkpoint"')) continue;
    const m = JSON.parse(l) as { sequenceNumber: string | null; subSequenceNumber: number | null };
    if (m.sequenceNumber === null) continue;
    const at = { sequenceNumber: m.sequenceNumber, subSequenceNumber: m.subSequenceNumber ?? 0 };
    expect(o.finished.some((r) => comparePositions(r, at) === 0)).toBe(true);
  }
}

describe('fuzzing the engine', () => {
  it('generated and broken input, fed at once: answers or fails clearly, never hangs, stdout stays clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 12 }), async (lines) => checkOutput(await feed(lines, tracking))),
      { seed: SEED, numRuns: 300 },
    );
  }, 120_000);

  it('a valid lease with processor failures: no checkpoint passes an unfinished record', async () => {
    const lease = fc.tuple(
      fc.array(fc.array(fc.record({ fail: fc.boolean(), sub: fc.integer({ min: 0, max: 2 }) }), { maxLength: 6 }), { maxLength: 4 }),
      fc.constantFrom('leaseLost', 'shardEnded', 'shutdownRequested'),
      fc.constantFrom<'batch' | 'each'>('batch', 'each'),
    );
    await fc.assert(
      fc.asyncProperty(lease, async ([batches, end, style]) => {
        let n = 0;
        const finished: KinesisRecord[] = [];
        const processor: RecordProcessor =
          style === 'each'
            ? tracking(finished)
            : {
                processRecords({ records }) {
                  if (records.some((r) => r.partitionKey === 'FAIL')) throw new Error('batch failure');
                  finished.push(...records);
                },
              };
        const daemon = FakeDaemon.inProcess(processor, { logger: silent, checkpoint: { everyRecords: 2 }, errors: { retries: 1, backoffMs: 0 } }, { timeoutMs: 3000 });
        const checkpoints: { sequenceNumber: string | null; subSequenceNumber: number | null }[] = [];
        let failedAt = -1;
        try {
          await daemon.send({ action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
          for (const [i, batch] of batches.entries()) {
            const records = batch.map((r) => ({ data: 'eA==', partitionKey: r.fail ? 'FAIL' : 'ok', sequenceNumber: String(1000 + n++), subSequenceNumber: r.sub, approximateArrivalTimestamp: null, action: 'record' }));
            failedAt = i;
            const x = await daemon.send({ action: 'processRecords', records, millisBehindLatest: 0 });
            failedAt = -1;
            for (const m of x.messages) if (m.action === 'checkpoint') checkpoints.push(m);
          }
          const x = await daemon.send({ action: end });
          for (const m of x.messages) if (m.action === 'checkpoint') checkpoints.push(m);
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          if (err.exchange) for (const m of err.exchange.messages) if (m.action === 'checkpoint') checkpoints.push(m);
        }
        const exit = failedAt >= 0 ? await daemon.exited() : await daemon.close();
        const anyFailure = batches.flat().some((r) => r.fail);
        expect(exit.exitCode).toBe(anyFailure ? 1 : 0);
        if (anyFailure) expect(exit.stderr).toMatch(/^ProcessorFailedError: process\w+ failed 2 time\(s\)/);
        for (const c of checkpoints) {
          if (c.sequenceNumber === null) {
            expect(end).toBe('shardEnded'); // only the shard end is checkpointed without a position
            continue;
          }
          const at = { sequenceNumber: c.sequenceNumber, subSequenceNumber: c.subSequenceNumber ?? 0 };
          expect(finished.some((r) => comparePositions(r, at) === 0)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, 120_000);

  it('checkpoint replies from a strict daemon with random errors: retries stay bounded and every action is answered', async () => {
    const codes = fc.array(fc.constantFrom<string | null>(null, 'ThrottlingException', 'KinesisClientLibDependencyException', 'ShutdownException', 'InvalidStateException', 'IllegalArgumentException'), { maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(codes, fc.integer({ min: 1, max: 4 }), async (answers, batches) => {
        const finished: KinesisRecord[] = [];
        const daemon = FakeDaemon.inProcess(tracking(finished), { logger: silent, checkpoint: { everyRecords: 1, retries: 2, backoffMs: 0, maxBackoffMs: 0 } }, { timeoutMs: 3000 });
        daemon.queuedAnswers.push(...answers);
        await daemon.send({ action: 'initialize', shardId: 's', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
        let sent = 0;
        for (let b = 0; b < batches; b++) {
          const x = await daemon.send({ action: 'processRecords', records: [{ data: 'eA==', partitionKey: 'ok', sequenceNumber: String(50 + b), subSequenceNumber: 0, approximateArrivalTimestamp: null, action: 'record' }], millisBehindLatest: 0 });
          const tries = x.messages.filter((m) => m.action === 'checkpoint').length;
          expect(tries).toBeLessThanOrEqual(3); // first try + 2 retries
          sent += tries;
        }
        const end = await daemon.send({ action: 'shardEnded' });
        expect(end.messages.at(-1)).toEqual({ action: 'status', responseFor: 'shardEnded' });
        expect((await daemon.close()).exitCode).toBe(0);
        expect(sent).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: 100 },
    );
  }, 120_000);

  it('huge batches and 128-digit sequence numbers', async () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({ data: 'eA==', partitionKey: 'ok', sequenceNumber: `${'9'.repeat(120)}${String(i).padStart(8, '0')}`, subSequenceNumber: 0, approximateArrivalTimestamp: null, action: 'record' }));
    const o = await feed(
      [
        Buffer.from(`${JSON.stringify({ action: 'initialize', shardId: 's', sequenceNumber: 'LATEST', subSequenceNumber: null })}\n`),
        Buffer.from(`${JSON.stringify({ action: 'processRecords', records, millisBehindLatest: 0 })}\n`),
        Buffer.from(`${JSON.stringify({ action: 'checkpoint', sequenceNumber: records[9999]!.sequenceNumber, subSequenceNumber: 0, error: null })}\n`),
      ],
      tracking,
      10_000,
    );
    checkOutput(o);
    expect(o.error).toBeUndefined();
    expect(o.finished).toHaveLength(10_000);
    expect(o.stdout).toContain(`"sequenceNumber":"${records[9999]!.sequenceNumber}"`);
    void DaemonError;
  });
});
