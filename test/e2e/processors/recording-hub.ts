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
import { run } from '../../../src/index.js';
import { openOutput, RecordingProcessor, recordingSettings } from '../../harness/processor-kit.js';

// Checked before the output is opened, so that a hub started wrong writes no exit line.
if (!process.env.KCL_TS_HUB_SOCKET) {
  process.stderr.write('recording hub: KCL_TS_HUB_SOCKET is not set (this processor is for hub mode; recording.ts is the child)\n');
  process.exit(2);
}
const out = openOutput('recording hub');
const settings = recordingSettings();
let sessions = 0;

await run(() => new RecordingProcessor(out, settings, `${process.pid}/${++sessions}`), {
  checkpoint: { everyRecords: settings.checkpointEvery },
  logLevel: 'warn',
});
