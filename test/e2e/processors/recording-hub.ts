/**
 * The recording processor (recording.ts) for hub mode: one process serves every lease,
 * so `run()` gets a factory and each lease session gets its own processor. Every line
 * carries the hub's `pid` (the same for every lease this hub served) and a `session` id
 * (one per processor, i.e. per lease session), which the harness uses where a child's
 * pid would otherwise stand for one lease's lifetime (order checks).
 *
 * Run with `KCL_TS_HUB_SOCKET=<path>`; the same variables as recording.ts:
 *
 *   E2E_OUTPUT             file to append to (required)
 *   E2E_RUN                a label copied into every line
 *   E2E_CHECKPOINT_EVERY   checkpoint every N records (default 100)
 *   E2E_DELAY_MS           sleep this long in each non-empty batch (default 0)
 *   E2E_FAIL_ON_DATA       throw when a record with this payload is processed ...
 *   E2E_FAIL_UNLESS_FILE   ... unless this file exists
 */
import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type InitializeInput, type ProcessRecordsInput, type RecordProcessor } from '../../../src/index.js';

const output = process.env.E2E_OUTPUT;
if (!output) {
  process.stderr.write('recording hub: E2E_OUTPUT is not set\n');
  process.exit(2);
}
if (!process.env.KCL_TS_HUB_SOCKET) {
  process.stderr.write('recording hub: KCL_TS_HUB_SOCKET is not set (this processor is for hub mode; recording.ts is the child)\n');
  process.exit(2);
}
const runLabel = process.env.E2E_RUN ?? '';
const checkpointEvery = Number(process.env.E2E_CHECKPOINT_EVERY ?? '100');
const delayMs = Number(process.env.E2E_DELAY_MS ?? '0');
const failOnData = process.env.E2E_FAIL_ON_DATA;
const failUnlessFile = process.env.E2E_FAIL_UNLESS_FILE;
let sessions = 0;

function emit(lines: object[]): void {
  if (lines.length === 0) return;
  appendFileSync(output!, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

class RecordingSession implements RecordProcessor {
  private shardId = '?';
  private readonly session = `${process.pid}/${++sessions}`;

  private event(ev: string, extra: object = {}): void {
    emit([{ ev, shard: this.shardId, pid: process.pid, session: this.session, run: runLabel, t: Date.now(), ...extra }]);
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
        session: this.session,
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

process.on('exit', (code) => {
  try {
    appendFileSync(output, `${JSON.stringify({ ev: 'exit', shard: '?', pid: process.pid, run: runLabel, code, t: Date.now() })}\n`);
  } catch {
    /* nothing to do */
  }
});

await run(() => new RecordingSession(), { checkpoint: { everyRecords: checkpointEvery }, logLevel: 'warn' });
