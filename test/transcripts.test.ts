import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, type RecordProcessor, type RunOptions } from '../src/index.js';
import { replay } from '../src/testing/index.js';

const DIR = new URL('./transcripts/', import.meta.url).pathname;

interface Header {
  comment: string;
  processor: 'batch' | 'perRecord';
  run: RunOptions;
  expectExit?: number;
  expectError?: string;
}

/** The processors the hand-written transcripts assume; record payloads script their behaviour. */
function scripted(kind: Header['processor']): RecordProcessor {
  const failures = new Map<string, number>();
  if (kind === 'batch') {
    return { processRecords: ({ records }) => void records.forEach((r) => r.json()) };
  }
  return {
    processRecord(record) {
      const data = record.json<{ fail?: number; checkpoint?: boolean }>();
      const failed = failures.get(record.sequenceNumber) ?? 0;
      if (data.fail !== undefined && failed < data.fail) {
        failures.set(record.sequenceNumber, failed + 1);
        throw new Error(`scripted failure ${failed + 1} of record ${record.sequenceNumber}`);
      }
      return data.checkpoint === true;
    },
  };
}

const own = readdirSync(DIR).filter((f) => f.endsWith('.jsonl'));

describe('hand-written transcripts', () => {
  it('cover the cases the engine promises', () => {
    expect(own.length).toBeGreaterThanOrEqual(12);
  });

  it.each(own)('%s', async (file) => {
    const path = join(DIR, file);
    const header = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!) as Header;
    const result = await replay(path, scripted(header.processor), { run: header.run, timeoutMs: 5000 });
    expect(result.written).toEqual(result.expected);
    if (header.expectExit === undefined) {
      expect(result.error).toBeUndefined();
      expect(result.end?.exitCode).toBe(0);
    } else {
      expect(result.error?.message).toMatch(/closed stdout/);
      expect(result.end?.exitCode).toBe(header.expectExit);
      if (header.expectError) expect(result.end?.stderr).toContain(header.expectError);
    }
    for (const x of result.exchanges) expect(x.skipped).toEqual([]);
  });
});

/** Does what the recorded Python and aws-kcl children did: checkpoint each batch's last record, and null at shutdown. */
const mirror: RecordProcessor = {
  async processRecords({ records, checkpointer }) {
    const last = records.at(-1);
    if (last) await checkpointer.checkpoint(last.sequenceNumber);
  },
  shutdownRequested: ({ checkpointer }) => checkpointer.checkpoint(),
};

const REAL = join(DIR, 'real');
const real = readdirSync(REAL).filter((f) => f.endsWith('.jsonl'));
const ours = real.filter((f) => f.startsWith('kcl-ts-sample-'));
const exact = real.filter((f) => !ours.includes(f) && !f.startsWith('bad-checkpoints-') && f !== 'empty-batches-and-child-crash-shardId-000000000000.jsonl');

describe('transcripts recorded from the real daemon (KCL multilang 3.1.3)', () => {
  it.each(exact)('%s: our child writes what the recorded child wrote', async (file) => {
    const result = await replay(join(REAL, file), mirror, { run: { checkpoint: 'manual' } });
    expect(result.error).toBeUndefined();
    expect(result.written).toEqual(result.expected);
    expect(result.end?.exitCode).toBe(0);
  });

  it.each(ours)('%s: recorded with our sample consumer, replayed against it (spawned), the same conversation', async (file) => {
    const root = new URL('..', import.meta.url).pathname;
    const result = await replay(join(REAL, file), { command: process.execPath, args: ['--import', 'tsx', join(root, 'examples/sample-consumer.ts')], cwd: root }, { timeoutMs: 20_000 });
    expect(result.error).toBeUndefined();
    expect(result.expected.length).toBeGreaterThan(0);
    expect(result.written).toEqual(result.expected);
    expect(result.end?.exitCode).toBe(0);
  });

  it('empty-batches-and-child-crash (shard 0): where the recorded child crashed, ours answers and exits 0', async () => {
    const result = await replay(join(REAL, 'empty-batches-and-child-crash-shardId-000000000000.jsonl'), mirror, { run: { checkpoint: 'manual' } });
    expect(result.error).toBeUndefined();
    expect(result.written.map((m) => m.action)).toEqual(['status', 'checkpoint', 'status']);
    expect(result.end?.exitCode).toBe(0);
  });

  it.each(real.filter((f) => f.startsWith('bad-checkpoints-')))('%s: the daemon’s error answers reach the processor; "notanumber" is refused before it is sent', async (file) => {
    const codes: string[] = [];
    const processor: RecordProcessor = {
      async processRecords({ records, checkpointer }) {
        for (const target of ['123', '99999999999999999999999999999999999999999999999999999999', 'notanumber', records.at(-1)!.sequenceNumber]) {
          await checkpointer.checkpoint(target).then(
            () => codes.push('ok'),
            (err: CheckpointError) => codes.push(err.code),
          );
        }
      },
      shutdownRequested: ({ checkpointer }) => checkpointer.checkpoint(),
    };
    const result = await replay(join(REAL, file), processor, { run: { checkpoint: 'manual' } });
    expect(result.error).toBeUndefined();
    expect(codes).toEqual(['ok', 'IllegalArgumentException', 'InvalidArgument', 'ok']);
    const notanumber = (m: { action: string; sequenceNumber?: string | null }) => m.action === 'checkpoint' && m.sequenceNumber === 'notanumber';
    expect(result.written).toEqual(result.expected.filter((m) => !notanumber(m)));
  });
});
