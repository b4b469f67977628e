/**
 * Checkpoint storms, with the strict fake daemon (no Java): the daemon answers
 * `ThrottlingException` (or `KinesisClientLibDependencyException`) many times in a row.
 * The child retries a bounded number of times (`checkpoint.retries`), each retry after the
 * backoff pause it announces (measured here between the checkpoint lines the daemon
 * reads), the whole storm is bounded in time, and the outcome reaches the processor: a
 * `CheckpointError` with the daemon's code and the number of attempts, or success.
 */
import { Writable } from 'node:stream';
import pinoModule from 'pino';
import { describe, expect, it } from 'vitest';
import { CheckpointError, type ProcessRecordsInput, type RecordProcessor } from '../../src/index.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const SHARD = 'shardId-000000000000';
/** Timer and event-loop slack allowed on top of an announced pause, ms. */
const SLACK_MS = 250;

interface Storm {
  /** When the daemon read each checkpoint line (ms, monotonic). */
  arrivals: number[];
  /** The pauses the child announced before each retry (its warn log). */
  announced: { attempt: number; delayMs: number; code: string }[];
  outcome: { ok: true } | { ok: false; code: string; attempts: number; name: string };
  tookMs: number;
}

async function storm(options: {
  answers: (n: number) => string | null;
  checkpoint: { retries?: number; backoffMs?: number; maxBackoffMs?: number };
}): Promise<Storm> {
  const arrivals: number[] = [];
  const announced: Storm['announced'] = [];
  const logs = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as { msg?: string; attempt?: number; delayMs?: number; code?: string };
        if (entry.msg === 'checkpoint failed, retrying') {
          announced.push({ attempt: entry.attempt!, delayMs: entry.delayMs!, code: entry.code! });
        }
      }
      done();
    },
  });
  let outcome: Storm['outcome'] | undefined;
  let tookMs = 0;
  const processor: RecordProcessor = {
    async processRecords({ records, checkpointer }: ProcessRecordsInput) {
      const start = performance.now();
      try {
        await checkpointer.checkpoint(records.at(-1)!);
        outcome = { ok: true };
      } catch (err) {
        expect(err).toBeInstanceOf(CheckpointError);
        const e = err as CheckpointError;
        outcome = { ok: false, code: e.code, attempts: e.attempts, name: e.name };
      }
      tookMs = performance.now() - start;
    },
  };
  let n = 0;
  const daemon = FakeDaemon.inProcess(
    processor,
    { checkpoint: { manual: true, ...options.checkpoint }, logger: pinoModule({ level: 'warn' }, logs) },
    {
      timeoutMs: 60_000,
      onCheckpoint: () => {
        arrivals.push(performance.now());
        return options.answers(n++);
      },
    },
  );
  await daemon.send({ action: 'initialize', shardId: SHARD, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
  const x = await daemon.send(makeBatch(10));
  expect(x.messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
  expect(x.replies).toHaveLength(arrivals.length);
  await daemon.send({ action: 'leaseLost' });
  const end = await daemon.close();
  expect(end.exitCode).toBe(0);
  return { arrivals, announced, outcome: outcome!, tookMs };
}

/** The gaps between tries match the announced pauses, each within its ceiling. */
function checkSpacing(s: Storm, retry: { backoffMs: number; maxBackoffMs: number }): void {
  const gaps = s.arrivals.slice(1).map((t, i) => t - s.arrivals[i]!);
  expect(gaps).toHaveLength(s.announced.length);
  gaps.forEach((gap, i) => {
    const pause = s.announced[i]!;
    expect(pause.attempt).toBe(i + 1);
    const ceiling = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** i);
    expect(pause.delayMs, `pause ${i + 1}`).toBeGreaterThanOrEqual(0);
    expect(pause.delayMs, `pause ${i + 1}`).toBeLessThanOrEqual(ceiling);
    // setTimeout may fire up to ~1 ms early by the monotonic clock
    expect(gap, `gap ${i + 1}`).toBeGreaterThanOrEqual(pause.delayMs - 2);
    expect(gap, `gap ${i + 1}`).toBeLessThanOrEqual(pause.delayMs + SLACK_MS);
    expect(gap, `gap ${i + 1}`).toBeLessThanOrEqual(retry.maxBackoffMs + SLACK_MS);
  });
  console.log(`gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(' ')}; announced: ${s.announced.map((a) => a.delayMs).join(' ')}`);
}

describe('checkpoint storms (strict fake daemon)', () => {
  it('ThrottlingException to every try: 1 + retries tries, spaced by the backoff, bounded; the processor gets CheckpointError', async () => {
    const retry = { retries: 8, backoffMs: 20, maxBackoffMs: 160 };
    const s = await storm({ answers: () => 'ThrottlingException', checkpoint: retry });
    expect(s.arrivals).toHaveLength(retry.retries + 1);
    expect(s.outcome).toEqual({ ok: false, code: 'ThrottlingException', attempts: retry.retries + 1, name: 'CheckpointError' });
    checkSpacing(s, retry);
    // total: at most the sum of the ceilings, plus slack
    const bound = Array.from({ length: retry.retries }, (_, i) => Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** i)).reduce((a, b) => a + b, 0);
    expect(s.tookMs).toBeLessThanOrEqual(bound + SLACK_MS * 2);
  });

  it('the defaults (5 retries, 100 ms doubling, ≤ 5 s): 6 tries, then CheckpointError', async () => {
    const s = await storm({ answers: () => 'ThrottlingException', checkpoint: {} });
    expect(s.arrivals).toHaveLength(6);
    expect(s.outcome).toMatchObject({ ok: false, code: 'ThrottlingException', attempts: 6 });
    checkSpacing(s, { backoffMs: 100, maxBackoffMs: 5000 });
    expect(s.tookMs).toBeLessThanOrEqual(100 + 200 + 400 + 800 + 1600 + SLACK_MS * 2);
  });

  it('retries: 0 means one try', async () => {
    const s = await storm({ answers: () => 'ThrottlingException', checkpoint: { retries: 0 } });
    expect(s.arrivals).toHaveLength(1);
    expect(s.outcome).toMatchObject({ ok: false, code: 'ThrottlingException', attempts: 1 });
  });

  it('throttled, then dependency failures, then accepted: the processor sees success', async () => {
    const retry = { retries: 10, backoffMs: 5, maxBackoffMs: 40 };
    const s = await storm({
      answers: (n) => (n < 4 ? 'ThrottlingException' : n < 7 ? 'KinesisClientLibDependencyException' : null),
      checkpoint: retry,
    });
    expect(s.arrivals).toHaveLength(8);
    expect(s.outcome).toEqual({ ok: true });
    expect(s.announced.map((a) => a.code)).toEqual([...Array(4).fill('ThrottlingException'), ...Array(3).fill('KinesisClientLibDependencyException')]);
    checkSpacing(s, retry);
  });

  it('a storm is not retried past a non-retryable answer: ShutdownException after throttling ends it at once', async () => {
    const s = await storm({ answers: (n) => (n < 2 ? 'ThrottlingException' : 'ShutdownException'), checkpoint: { retries: 10, backoffMs: 5, maxBackoffMs: 20 } });
    expect(s.arrivals).toHaveLength(3);
    expect(s.outcome).toMatchObject({ ok: false, code: 'ShutdownException', attempts: 3 });
  });

  it('a long storm over many batches: every batch ends with a status, no checkpoint ever passes the records delivered', async () => {
    // 30 batches of 50; the daemon throttles 3 of every 4 checkpoints
    let n = 0;
    const accepted: string[] = [];
    const failures: string[] = [];
    const processor: RecordProcessor = {
      async processRecords({ records, checkpointer }: ProcessRecordsInput) {
        try {
          await checkpointer.checkpoint(records.at(-1)!);
          accepted.push(records.at(-1)!.sequenceNumber);
        } catch (err) {
          failures.push((err as CheckpointError).code);
        }
      },
    };
    const daemon = FakeDaemon.inProcess(
      processor,
      { checkpoint: { manual: true, retries: 2, backoffMs: 1, maxBackoffMs: 4 }, logLevel: 'silent' },
      { timeoutMs: 30_000, onCheckpoint: () => (n++ % 4 === 3 ? undefined : 'ThrottlingException') },
    );
    await daemon.send({ action: 'initialize', shardId: SHARD, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    for (let b = 0; b < 30; b++) {
      const x = await daemon.send(makeBatch(50, b * 50));
      expect(x.messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
      expect(x.replies.length).toBeLessThanOrEqual(3);
    }
    await daemon.send({ action: 'shardEnded' });
    await daemon.close();
    // every try is answered; 3 tries per batch at most, each batch checkpointed or reported
    expect(accepted.length + failures.length).toBe(30);
    expect(failures.every((c) => c === 'ThrottlingException')).toBe(true);
    expect(daemon.daemonState.lastCheckpoint).not.toBeNull();
  });
});
