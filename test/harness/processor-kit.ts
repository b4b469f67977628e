/**
 * What the real-daemon suites' processors share (test/e2e/processors/recording.ts,
 * recording-hub.ts, test/faults/processors/killing.ts): the output file and run label
 * from the environment, the JSON lines they append to it, and the lifecycle events every
 * one of them writes. The lines are what consumed.ts and faults.ts read (pinned by
 * test/child/test-processors.test.ts); a key added here reaches every suite.
 *
 * Runs inside the processor's process, never in a test's.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InitializeInput, KinesisRecord, ProcessRecordsInput, RecordProcessor } from '../../src/index.js';

export interface Output {
  /** `E2E_RUN`: a label copied into every line (which daemon run). */
  readonly run: string;
  /** Appends the lines at once, so a reader never sees part of a batch's. */
  write(lines: readonly object[]): void;
}

/**
 * `E2E_OUTPUT` (exit 2 naming the processor when it is unset), and an `exit` line with
 * the process's exit code when it ends (not after SIGKILL: that is how a kill is told apart).
 */
export function openOutput(processorName: string): Output {
  const file = process.env.E2E_OUTPUT;
  if (!file) {
    process.stderr.write(`${processorName}: E2E_OUTPUT is not set\n`);
    process.exit(2);
  }
  const run = process.env.E2E_RUN ?? '';
  const write = (lines: readonly object[]): void => {
    if (lines.length > 0) appendFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };
  process.on('exit', (code) => {
    try {
      write([{ ev: 'exit', shard: '?', pid: process.pid, run, code, t: Date.now() }]);
    } catch {
      /* nothing to do */
    }
  });
  return { run, write };
}

/**
 * The lifecycle lines, written the same way by every processor: one per event, the
 * shard it was initialized for, the process and, in hub mode, the lease session.
 */
export abstract class RecordingLifecycle implements RecordProcessor {
  protected shardId = '?';

  constructor(
    protected readonly out: Output,
    /** Hub mode: one id per processor, i.e. per lease session (the pid is the hub's, shared). */
    private readonly session?: string,
  ) {}

  protected event(ev: string, extra: object = {}): void {
    this.out.write([{ ev, shard: this.shardId, pid: process.pid, ...this.sessionTag(), run: this.out.run, t: Date.now(), ...extra }]);
  }

  protected recordLine(record: KinesisRecord, shard = this.shardId, data = record.text()): object {
    return { ev: 'record', shard, seq: record.sequenceNumber, sub: record.subSequenceNumber, data, pid: process.pid, ...this.sessionTag(), run: this.out.run };
  }

  private sessionTag(): { session?: string } {
    return this.session === undefined ? {} : { session: this.session };
  }

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
    this.event('initialize', { seq: input.sequenceNumber, sub: input.subSequenceNumber });
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

/** recording.ts's and recording-hub.ts's settings. */
export interface RecordingSettings {
  /** `E2E_CHECKPOINT_EVERY`: checkpoint every N records (default 100). */
  readonly checkpointEvery: number;
  /** `E2E_DELAY_MS`: sleep this long in each non-empty batch (default 0). */
  readonly delayMs: number;
  /** `E2E_FAIL_ON_DATA`: throw when a record with this payload is processed ... */
  readonly failOnData: string | undefined;
  /** `E2E_FAIL_UNLESS_FILE`: ... unless this file exists. */
  readonly failUnlessFile: string | undefined;
}

export function recordingSettings(): RecordingSettings {
  return {
    checkpointEvery: Number(process.env.E2E_CHECKPOINT_EVERY ?? '100'),
    delayMs: Number(process.env.E2E_DELAY_MS ?? '0'),
    failOnData: process.env.E2E_FAIL_ON_DATA,
    failUnlessFile: process.env.E2E_FAIL_UNLESS_FILE,
  };
}

/** A batch at a time: every record written, the injected failure thrown (`throw` line first). */
export class RecordingProcessor extends RecordingLifecycle {
  constructor(
    out: Output,
    private readonly settings: RecordingSettings,
    session?: string,
  ) {
    super(out, session);
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    if (input.records.length === 0) return;
    const { failOnData, failUnlessFile, delayMs } = this.settings;
    const lines: object[] = [];
    for (const record of input.records) {
      const data = record.text();
      if (failOnData !== undefined && data === failOnData && !(failUnlessFile && existsSync(failUnlessFile))) {
        this.out.write(lines);
        this.event('throw', { seq: record.sequenceNumber, data });
        throw new Error(`injected failure on record ${data}`);
      }
      lines.push(this.recordLine(record, this.shardId, data));
    }
    this.out.write(lines);
    if (delayMs > 0) await sleep(delayMs);
  }
}
