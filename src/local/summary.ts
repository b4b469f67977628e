/**
 * The summary `kcl-ts dev` prints on stdout at the end: per shard what was produced and
 * consumed and where the checkpoint stands, the timings, and the verdict.
 */
import type { ShardCount } from './tally.js';

export type Outcome = 'all-arrived' | 'timed-out' | 'interrupted' | 'daemon-exited';

export interface Timings {
  /** ms since the epoch. */
  startedAt: number;
  daemonStartedAt?: number | undefined;
  firstConsumedAt?: number | undefined;
  allConsumedAt?: number | undefined;
  /** How long the daemon's graceful stop took. */
  stopMs?: number | undefined;
}

export interface SummaryInput {
  counts: readonly ShardCount[];
  /** Records kcl-ts dev set out to produce. */
  expected: number;
  timings: Timings;
  failures: readonly string[];
  outcome: Outcome;
}

function seconds(from: number, to: number): string {
  return `${((to - from) / 1000).toFixed(1)} s`;
}

/** "12.5 s after start (8.5 s after the daemon started)", or "never". */
function sinceStart(t: Timings, at: number | undefined, withDaemon: boolean): string {
  if (at === undefined) return 'never';
  const daemon = withDaemon && t.daemonStartedAt !== undefined ? ` (${seconds(t.daemonStartedAt, at)} after the daemon started)` : '';
  return `${seconds(t.startedAt, at)} after start${daemon}`;
}

function checkpointText(c: ShardCount): string {
  if (c.checkpoint === undefined) return 'no lease';
  if (!/^\d/.test(c.checkpoint)) return c.checkpoint === 'SHARD_END' ? 'SHARD_END (every record)' : `${c.checkpoint} (no record yet)`;
  return `after record ${c.checkpointed} of ${c.produced} (${c.checkpoint})`;
}

export function summaryText(input: SummaryInput): string {
  const { counts, timings: t } = input;
  const produced = counts.reduce((n, c) => n + c.produced, 0);
  const consumed = counts.reduce((n, c) => n + c.consumed, 0);
  const deliveries = counts.reduce((n, c) => n + c.deliveries, 0);
  const width = Math.max(5, ...counts.map((c) => c.shardId.length));
  const lines = [
    '',
    '──────── kcl-ts dev: summary ────────',
    `${'shard'.padEnd(width)}  produced  consumed  checkpoint`,
    ...counts.map((c) => `${c.shardId.padEnd(width)}  ${String(c.produced).padStart(8)}  ${String(c.consumed).padStart(8)}  ${checkpointText(c)}`),
    `${'total'.padEnd(width)}  ${String(produced).padStart(8)}  ${String(consumed).padStart(8)}  (${deliveries - consumed} delivered again)`,
    '',
    `first record through the processor  ${sinceStart(t, t.firstConsumedAt, true)}`,
    `every record consumed               ${sinceStart(t, t.allConsumedAt, false)}`,
    `graceful stop of the daemon         ${t.stopMs === undefined ? '-' : `${(t.stopMs / 1000).toFixed(1)} s`}`,
    ...input.failures.map((f) => `processor failed                    ${f}`),
    '',
  ];
  const missing = input.expected - consumed;
  const verdict: Record<Outcome, string> = {
    'all-arrived': `every record arrived (${consumed} of ${input.expected})`,
    'timed-out': `NOT every record arrived: ${missing} of ${input.expected} missing when the time ran out (--timeout)`,
    interrupted: `interrupted: ${consumed} of ${input.expected} records arrived`,
    'daemon-exited': `the daemon stopped before every record arrived: ${missing} of ${input.expected} missing`,
  };
  lines.push(verdict[input.outcome], '');
  return lines.join('\n');
}
