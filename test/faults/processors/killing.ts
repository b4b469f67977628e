/**
 * A recording processor (the lines of test/e2e/processors/recording.ts, from
 * test/harness/processor-kit.ts) that checkpoints by hand and SIGKILLs its own process at
 * a chosen point, for the fault-injection suite.
 *
 *   E2E_OUTPUT               file to append to (required)
 *   E2E_RUN                  a label copied into every line
 *   FAULT_CHECKPOINT_EVERY   checkpoint every N records (default 20); each confirmed
 *                            checkpoint is written as a `checkpointed` line, a failed
 *                            one (CheckpointError) as `checkpointFailed`, not thrown
 *   FAULT_KILL_AT            `batch` | `checkpoint` | `shardEnded` (unset: never kill)
 *   FAULT_KILL_AFTER         batch: kill at this child's Nth record (mid-batch, after the
 *                            records before it were recorded); checkpoint: kill while this
 *                            child's Nth checkpoint is in flight (sent, not yet answered)
 *   FAULT_TOKEN              a file created (O_EXCL) by the one child that kills: at most
 *                            one kill per daemon run, whichever shard gets there first
 *   FAULT_SLEEP_MS           sleep this long in each non-empty batch (hang tests)
 */
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckpointError, run, type ProcessRecordsInput } from '../../../src/index.js';
import { openOutput, RecordingLifecycle } from '../../harness/processor-kit.js';

const out = openOutput('killing processor');
const checkpointEvery = Number(process.env.FAULT_CHECKPOINT_EVERY ?? '20');
const killAt = process.env.FAULT_KILL_AT ?? '';
const killAfter = Number(process.env.FAULT_KILL_AFTER ?? '1');
const token = process.env.FAULT_TOKEN;
const sleepMs = Number(process.env.FAULT_SLEEP_MS ?? '0');

/** Only one child per daemon run kills itself. */
function claimKill(): boolean {
  if (!token) return true;
  try {
    closeSync(openSync(token, 'wx'));
    return true;
  } catch {
    return false;
  }
}

class KillingProcessor extends RecordingLifecycle {
  private records = 0;
  private checkpoints = 0;

  private die(at: string, extra: object = {}): never {
    this.event('kill', { at, ...extra });
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL is delivered before this line runs; satisfy the type checker
    throw new Error('unreachable');
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    if (input.records.length === 0) return;
    let lines: object[] = [];
    for (const record of input.records) {
      this.records += 1;
      if (killAt === 'batch' && this.records === killAfter && claimKill()) {
        out.write(lines);
        this.die('batch', { seq: record.sequenceNumber });
      }
      lines.push(this.recordLine(record));
      if (this.records % checkpointEvery === 0) {
        this.checkpoints += 1;
        // Claim the kill (create the token) before the records reach the output: the test
        // reads the output first and the token second, so a run whose last record is
        // followed by this kill is never taken for one that drained without a kill.
        const kill = killAt === 'checkpoint' && this.checkpoints === killAfter && claimKill();
        out.write(lines);
        lines = [];
        const confirmed = input.checkpointer.checkpoint(record);
        if (kill) {
          // the checkpoint line is on the pipe; die before (or as) the answer comes back
          await new Promise((resolve) => setImmediate(resolve));
          this.die('checkpoint', { seq: record.sequenceNumber });
        }
        try {
          await confirmed;
          this.event('checkpointed', { seq: record.sequenceNumber, sub: record.subSequenceNumber });
        } catch (err) {
          // not fatal (e.g. the lease table is unreachable): the records are safe, a later
          // checkpoint covers them, or they are delivered again
          if (!(err instanceof CheckpointError)) throw err;
          this.event('checkpointFailed', { seq: record.sequenceNumber, code: err.code, attempts: err.attempts });
        }
      }
    }
    out.write(lines);
    if (sleepMs > 0) {
      this.event('sleep', { ms: sleepMs });
      await sleep(sleepMs);
    }
  }

  override shardEnded(): void {
    super.shardEnded();
    if (killAt === 'shardEnded' && claimKill()) this.die('shardEnded');
  }
}

await run(new KillingProcessor(out), { checkpoint: 'manual', logLevel: 'warn' });
