/**
 * A test processor run by the real daemon: appends every event and every record it
 * processes to `$E2E_OUTPUT` as JSON lines, so tests can assert on exactly what was
 * consumed. Behaviour is set by environment variables (the daemon passes its own
 * environment to the children):
 *
 *   E2E_OUTPUT             file to append to (required)
 *   E2E_RUN                a label copied into every line (which daemon run)
 *   E2E_CHECKPOINT_EVERY   checkpoint every N records (default 100)
 *   E2E_DELAY_MS           sleep this long in each non-empty batch (default 0)
 *   E2E_FAIL_ON_DATA       throw when a record with this payload is processed ...
 *   E2E_FAIL_UNLESS_FILE   ... unless this file exists
 *   E2E_MODE=record        implement processRecord (one record at a time) instead, and
 *                          checkpoint right after each record whose sub-sequence number
 *                          is E2E_CHECKPOINT_SUB (mod 10); E2E_DELAY_MS is then per record
 */
import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  run,
  type InitializeInput,
  type KinesisRecord,
  type ProcessRecordsInput,
  type RecordContext,
  type RecordProcessor,
} from '../../../src/index.js';

const output = process.env.E2E_OUTPUT;
if (!output) {
  process.stderr.write('recording processor: E2E_OUTPUT is not set\n');
  process.exit(2);
}
const runLabel = process.env.E2E_RUN ?? '';
const checkpointEvery = Number(process.env.E2E_CHECKPOINT_EVERY ?? '100');
const delayMs = Number(process.env.E2E_DELAY_MS ?? '0');
const failOnData = process.env.E2E_FAIL_ON_DATA;
const failUnlessFile = process.env.E2E_FAIL_UNLESS_FILE;

function emit(lines: object[]): void {
  if (lines.length === 0) return;
  appendFileSync(output!, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

class RecordingProcessor implements RecordProcessor {
  private shardId = '?';

  private event(ev: string, extra: object = {}): void {
    emit([{ ev, shard: this.shardId, pid: process.pid, run: runLabel, t: Date.now(), ...extra }]);
  }

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
    this.event('initialize', { seq: input.sequenceNumber, sub: input.subSequenceNumber });
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    if (input.records.length === 0) return;
    const lines: object[] = [];
    for (const record of input.records) {
      const data = record.text();
      if (failOnData !== undefined && data === failOnData && !(failUnlessFile && existsSync(failUnlessFile))) {
        emit(lines);
        this.event('throw', { seq: record.sequenceNumber, data });
        throw new Error(`injected failure on record ${data}`);
      }
      lines.push({
        ev: 'record',
        shard: this.shardId,
        seq: record.sequenceNumber,
        sub: record.subSequenceNumber,
        data,
        pid: process.pid,
        run: runLabel,
      });
    }
    emit(lines);
    if (delayMs > 0) await sleep(delayMs);
  }

  leaseLost(): void {
    this.event('leaseLost');
  }

  shardEnded(): void {
    this.event('shardEnded');
  }

  shutdownRequested(): void {
    this.event('shutdownRequested');
  }
}

/** One record at a time; checkpoints mid-aggregate (KPL sub-records) on purpose. */
class PerRecordProcessor implements RecordProcessor {
  private shardId = '?';
  private readonly checkpointSub = Number(process.env.E2E_CHECKPOINT_SUB ?? '7');

  private event(ev: string, extra: object = {}): void {
    emit([{ ev, shard: this.shardId, pid: process.pid, run: runLabel, t: Date.now(), ...extra }]);
  }

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
    this.event('initialize', { seq: input.sequenceNumber, sub: input.subSequenceNumber });
  }

  async processRecord(record: KinesisRecord, context: RecordContext): Promise<boolean> {
    emit([
      {
        ev: 'record',
        shard: context.shardId,
        seq: record.sequenceNumber,
        sub: record.subSequenceNumber,
        data: record.text(),
        pid: process.pid,
        run: runLabel,
      },
    ]);
    if (delayMs > 0) await sleep(delayMs);
    return record.subSequenceNumber % 10 === this.checkpointSub;
  }

  leaseLost(): void {
    this.event('leaseLost');
  }

  shardEnded(): void {
    this.event('shardEnded');
  }

  shutdownRequested(): void {
    this.event('shutdownRequested');
  }
}

process.on('exit', (code) => {
  try {
    appendFileSync(output, `${JSON.stringify({ ev: 'exit', shard: '?', pid: process.pid, run: runLabel, code, t: Date.now() })}\n`);
  } catch {
    /* nothing to do */
  }
});

if (process.env.E2E_MODE === 'record') {
  await run(new PerRecordProcessor(), { checkpoint: { manual: true }, logLevel: 'warn' });
} else {
  await run(new RecordingProcessor(), {
    checkpoint: { everyRecords: checkpointEvery },
    logLevel: 'warn',
  });
}
