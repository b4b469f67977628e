/**
 * A test processor run by the real daemon: appends every event and every record it
 * processes to `$E2E_OUTPUT` as JSON lines, so tests can assert on exactly what was
 * consumed (the lines and the shared settings: test/harness/processor-kit.ts).
 * Behaviour is set by environment variables (the daemon passes its own environment to
 * the children):
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
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type KinesisRecord, type RecordContext } from '../../../src/index.js';
import { openOutput, RecordingLifecycle, RecordingProcessor, recordingSettings } from '../../harness/processor-kit.js';

const out = openOutput('recording processor');
const settings = recordingSettings();

/** One record at a time; checkpoints mid-aggregate (KPL sub-records) on purpose. */
class PerRecordProcessor extends RecordingLifecycle {
  private readonly checkpointSub = Number(process.env.E2E_CHECKPOINT_SUB ?? '7');

  async processRecord(record: KinesisRecord, context: RecordContext): Promise<boolean> {
    this.out.write([this.recordLine(record, context.shardId)]);
    if (settings.delayMs > 0) await sleep(settings.delayMs);
    return record.subSequenceNumber % 10 === this.checkpointSub;
  }
}

if (process.env.E2E_MODE === 'record') {
  await run(new PerRecordProcessor(out), { checkpoint: { manual: true }, logLevel: 'warn' });
} else {
  await run(new RecordingProcessor(out, settings), { checkpoint: { everyRecords: settings.checkpointEvery }, logLevel: 'warn' });
}
