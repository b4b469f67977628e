/**
 * Replays a transcript's daemon side against a processor (in this process) or a child
 * command (spawned), through the strict fake daemon, and returns what the child wrote
 * beside what the transcript expected. A checkpoint the child sends is answered with
 * the reply recorded for the same action and the same sequence numbers where the
 * transcript has one, otherwise as the KCL would answer it.
 */
import type { RunOptions } from '../options.js';
import type { RecordProcessor } from '../processor.js';
import type { CheckpointRequest, ChildMessage } from '../protocol/types.js';
import { DaemonError, FakeDaemon, type ChildEnd, type CheckpointAnswer, type DaemonState, type Exchange, type FakeDaemonOptions } from './fake-daemon.js';
import { loadTranscript, type TranscriptEntry } from './transcript.js';

export interface ReplayResult {
  /** Everything the child wrote that the daemon accepted, in order. */
  readonly written: ChildMessage[];
  /** The transcript's `from_child` messages. */
  readonly expected: ChildMessage[];
  readonly exchanges: Exchange[];
  /** Set when the conversation failed (the daemon would have stopped). */
  readonly error: Error | undefined;
  /** How the child ended after stdin closed. */
  readonly end: ChildEnd | undefined;
}

export type ReplayTarget = RecordProcessor | { readonly command: string; readonly args?: readonly string[]; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string };

export interface ReplayOptions extends FakeDaemonOptions {
  /** Options for `run()` when the target is a processor. */
  readonly run?: RunOptions;
}

export async function replay(
  transcript: string | readonly TranscriptEntry[],
  target: ReplayTarget,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const entries = typeof transcript === 'string' ? await loadTranscript(transcript) : transcript;
  // Recorded replies to this action's checkpoints, matched to the child's by position.
  let recorded: { sequenceNumber: unknown; subSequenceNumber: unknown; error: unknown }[] = [];
  const daemonOptions = {
    ...options,
    onCheckpoint: (request: CheckpointRequest, state: DaemonState): CheckpointAnswer | Promise<CheckpointAnswer> => {
      const i = recorded.findIndex((r) => r.sequenceNumber === request.sequenceNumber && (r.subSequenceNumber ?? null) === (request.subSequenceNumber ?? null));
      if (i >= 0) {
        const [reply] = recorded.splice(i, 1);
        return typeof reply!.error === 'string' ? reply!.error : null;
      }
      return options.onCheckpoint?.(request, state);
    },
  };
  const daemon =
    'command' in target && typeof target.command === 'string'
      ? FakeDaemon.spawn(target.command, target.args ?? [], { ...daemonOptions, env: target.env, cwd: target.cwd })
      : FakeDaemon.inProcess(target as RecordProcessor, options.run ?? {}, daemonOptions);
  const expected = entries.filter((e) => e.dir === 'from_child').map((e) => e.message as ChildMessage);
  const exchanges: Exchange[] = [];
  let error: Error | undefined;
  try {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.dir !== 'to_child' || entry.message.action === 'checkpoint') continue;
      recorded = [];
      for (let j = i + 1; j < entries.length; j++) {
        const next = entries[j]!;
        if (next.dir !== 'to_child') continue;
        if (next.message.action !== 'checkpoint') break;
        recorded.push(next.message as unknown as { sequenceNumber: unknown; subSequenceNumber: unknown; error: unknown });
      }
      exchanges.push(await daemon.send(entry.message));
    }
  } catch (err) {
    error = err as Error;
    if (err instanceof DaemonError && err.exchange) exchanges.push(err.exchange);
  }
  let end: ChildEnd | undefined;
  try {
    end = await daemon.close();
  } catch (err) {
    error ??= err as Error;
  }
  return { written: exchanges.flatMap((x) => x.messages), expected, exchanges, error, end };
}
