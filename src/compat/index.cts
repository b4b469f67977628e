/**
 * A drop-in for the official `aws-kcl` package: `kcl(recordProcessor).run()` with
 * callback-style processors, unchanged. CommonJS, because aws-kcl users `require` it;
 * the engine (ESM) is loaded with a dynamic import when `run()` is called, which is
 * fire-and-forget in aws-kcl too.
 *
 * Differences from aws-kcl, all on the safe side: checkpoint calls queue instead of
 * failing while one is in flight; the shard end is checkpointed if the processor did
 * not; bad daemon input exits non-zero instead of hanging.
 */
import type { Readable, Writable } from 'node:stream';
import type * as Engine from '../index.js';
// Types only: erased from the CommonJS output, so `require` still loads no ESM.
import type { WireRecord } from '../protocol/types.js';

type Callback = () => void;
/** aws-kcl passes the daemon's error name (a string) as `err`, or null. */
type CheckpointCallback = (err: string | null, sequenceNumber?: string | null) => void;

interface AwsKclCheckpointer {
  checkpoint(callback: CheckpointCallback): void;
  checkpoint(sequenceNumber: string | null | undefined, callback?: CheckpointCallback): void;
}

/** A record as aws-kcl hands it over: the daemon's JSON, `data` still base64. */
type AwsKclRecord = WireRecord;

interface AwsKclRecordProcessor {
  initialize(input: { shardId: string; sequenceNumber: string | null; subSequenceNumber: number | null }, completeCallback: Callback): void;
  processRecords(input: { records: AwsKclRecord[]; millisBehindLatest: number | null; checkpointer: AwsKclCheckpointer }, completeCallback: Callback): void;
  leaseLost?(input: Record<string, never>, completeCallback: Callback): void;
  shardEnded?(input: { checkpointer: AwsKclCheckpointer }, completeCallback: Callback): void;
  shutdownRequested?(input: { checkpointer: AwsKclCheckpointer }, completeCallback: Callback): void;
  /** KCL 1.x style, instead of leaseLost and shardEnded. */
  shutdown?(input: { reason: 'ZOMBIE' | 'TERMINATE'; checkpointer?: AwsKclCheckpointer }, completeCallback: Callback): void;
}

interface KclProcess {
  run(): void;
  /** Present for aws-kcl compatibility; the engine cleans up when the daemon closes stdin. */
  cleanup(): void;
}

function kcl(recordProcessor: AwsKclRecordProcessor, inputFile?: Readable, outputFile?: Writable): KclProcess {
  const p = recordProcessor as unknown as { [name: string]: unknown };
  const has = (name: string) => typeof p[name] === 'function';
  if (!(has('initialize') && has('processRecords') && ((has('leaseLost') && has('shardEnded')) || has('shutdown')))) {
    throw new Error('Record processor must implement initialize, processRecords, and shutdown functions (or leaseLost and shardEnded).');
  }
  let started = false;
  return {
    run(): void {
      if (started) return;
      started = true;
      start(recordProcessor, inputFile, outputFile).catch((err: unknown) => {
        process.stderr.write(`kcl-ts: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      });
    },
    cleanup(): void {
      /* nothing to do: see KclProcess.cleanup */
    },
  };
}

function callbackCheckpointer(checkpointer: Engine.Checkpointer): AwsKclCheckpointer {
  return {
    checkpoint(first?: string | null | CheckpointCallback, second?: CheckpointCallback): void {
      const callback = typeof first === 'function' ? first : second;
      const sequenceNumber = typeof first === 'function' ? null : (first ?? null);
      const sending = sequenceNumber === null ? checkpointer.checkpoint() : checkpointer.checkpoint(String(sequenceNumber));
      sending.then(
        () => callback?.(null, sequenceNumber),
        (err: { code?: string }) => callback?.(err.code ?? String(err), sequenceNumber),
      );
    },
  };
}

/** Runs a callback-style handler as a promise: resolved by its completeCallback, rejected if it throws. */
function call<I>(fn: (input: I, cb: Callback) => void, self: unknown, input: I): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      fn.call(self, input, () => resolve());
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

async function start(p: AwsKclRecordProcessor, input?: Readable, output?: Writable): Promise<void> {
  const engine: typeof Engine = await import('../index.js');
  const legacy = typeof p.shutdown === 'function';
  const processor: Engine.RecordProcessor = {
    initialize: (i) => call(p.initialize, p, { shardId: i.shardId, sequenceNumber: i.sequenceNumber, subSequenceNumber: i.subSequenceNumber }),
    processRecords: (i) =>
      call(p.processRecords, p, {
        records: i.records.map((r): AwsKclRecord => r.toJSON()),
        millisBehindLatest: i.millisBehindLatest ?? null,
        checkpointer: callbackCheckpointer(i.checkpointer),
      }),
    leaseLost: () => (legacy ? call(p.shutdown!, p, { reason: 'ZOMBIE' as const }) : call(p.leaseLost!, p, {})),
    shardEnded: (i) =>
      legacy
        ? call(p.shutdown!, p, { reason: 'TERMINATE' as const, checkpointer: callbackCheckpointer(i.checkpointer) })
        : call(p.shardEnded!, p, { checkpointer: callbackCheckpointer(i.checkpointer) }),
  };
  const { shutdownRequested } = p;
  if (typeof shutdownRequested === 'function') {
    processor.shutdownRequested = (i) => call(shutdownRequested, p, { checkpointer: callbackCheckpointer(i.checkpointer) });
  }
  // aws-kcl never checkpoints on its own: neither does the compat layer (but the shard end).
  await engine.run(processor, { checkpoint: 'manual', ...(input ? { input } : {}), ...(output ? { output } : {}) });
}

// `export =` so that `require('kcl-ts/compat')` is the function itself, as with aws-kcl.
namespace kcl {
  export type RecordProcessor = AwsKclRecordProcessor;
  export type Checkpointer = AwsKclCheckpointer;
  export type KinesisRecord = AwsKclRecord;
  export type Process = KclProcess;
  export type OnCheckpoint = CheckpointCallback;
}

export = kcl;
