import type { RecordProcessor, RunOptions } from '../src/index.js';
import { FakeDaemon, type FakeDaemonOptions } from '../src/testing/index.js';

export const SHARD = 'shardId-000000000000';

export function initialize(sequenceNumber: string | null = 'TRIM_HORIZON', subSequenceNumber: number | null = 0) {
  return { action: 'initialize', shardId: SHARD, sequenceNumber, subSequenceNumber };
}

/** A daemon with an initialized processor, in this process. */
export async function started(processor: RecordProcessor, run: RunOptions = {}, options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const daemon = FakeDaemon.inProcess(processor, { checkpoint: 'manual', ...run }, { timeoutMs: 5000, ...options });
  await daemon.send(initialize());
  return daemon;
}

/** Fast retries so tests of the error policy do not sleep. */
export const QUICK = { retries: 2, backoffMs: 1, maxBackoffMs: 2 } as const;
