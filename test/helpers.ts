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

/**
 * Each line `output` carries (run()'s output over memory streams: the daemon's side),
 * parsed as JSON and handed to `each` as it comes; blank lines are passed over.
 */
export function onJsonLines<T>(output: NodeJS.ReadableStream, each: (message: T) => void): void {
  let buffered = '';
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line !== '') each(JSON.parse(line) as T);
    }
  });
}
