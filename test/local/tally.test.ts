import { describe, expect, it } from 'vitest';
import type { LeaseRow } from '../../src/local/lease-table.js';
import { progressLine, progressTable } from '../../src/local/progress.js';
import { summaryText } from '../../src/local/summary.js';
import { Tally } from '../../src/local/tally.js';

const S0 = 'shardId-000000000000';
const S1 = 'shardId-000000000001';
const seq = (n: number): string => (49_000_000_000_000_000_000_000_000n + BigInt(n)).toString();
const put = (shardId: string, ...ns: number[]) => ns.map((n) => ({ shardId, sequenceNumber: seq(n), partitionKey: 'k', data: `d${n}` }));
const lease = (leaseKey: string, checkpoint: string, owner = 'w1'): LeaseRow => ({ leaseKey, checkpoint, checkpointSubSequenceNumber: 0, leaseOwner: owner, item: {} });

describe('the tally', () => {
  it('matches consumed records to produced ones, whichever is seen first', () => {
    const tally = new Tally([S0, S1]);
    tally.addEvents([{ ev: 'consumed', shard: S0, records: [seq(1)], millisBehindLatest: 0, t: 2000 }]);
    expect(tally.counts()[0]).toMatchObject({ produced: 0, consumed: 0, deliveries: 1 });
    tally.addProduced([...put(S0, 2, 1, 3), ...put(S1, 10)]);
    tally.addEvents([
      { ev: 'consumed', shard: S0, records: [seq(2), seq(3)], millisBehindLatest: 0, t: 1000 },
      { ev: 'consumed', shard: S0, records: [seq(3)], millisBehindLatest: 0, t: 3000 },
    ]);
    expect(tally.counts().map((c) => [c.shardId, c.produced, c.consumed, c.deliveries])).toEqual([
      [S0, 3, 3, 4],
      [S1, 1, 0, 0],
    ]);
    expect(tally.firstConsumedAt).toBe(1000);
    expect(tally.allConsumed(4)).toBe(false);
    tally.addEvents([{ ev: 'consumed', shard: S1, records: [seq(10)], millisBehindLatest: 0, t: 4000 }]);
    expect(tally.allConsumed(4)).toBe(true);
    // not before every record meant to be produced was
    expect(tally.allConsumed(5)).toBe(false);
  });

  it('places each checkpoint among the records produced on its shard', () => {
    const tally = new Tally([S0, S1]);
    tally.addProduced([...put(S0, 1, 2, 3, 4), ...put(S1, 5, 6)]);
    tally.setLeases([lease(S0, seq(2)), lease(S1, 'TRIM_HORIZON')]);
    expect(tally.counts().map((c) => [c.checkpoint, c.checkpointed])).toEqual([
      [seq(2), 2],
      ['TRIM_HORIZON', 0],
    ]);
    tally.setLeases([lease(S0, seq(4)), lease(S1, 'SHARD_END')]);
    expect(tally.counts().map((c) => c.checkpointed)).toEqual([4, 2]);
  });

  it('notes every child that failed', () => {
    const tally = new Tally([S0]);
    tally.addEvents([
      { ev: 'exit', shard: S0, code: 0, signal: null, t: 1 },
      { ev: 'exit', shard: S0, code: 3, signal: null, t: 2 },
      { ev: 'exit', shard: S0, code: null, signal: 'SIGKILL', t: 3 },
    ]);
    expect(tally.failures).toEqual([`${S0}: exit code 3`, `${S0}: killed by SIGKILL`]);
  });
});

describe('the progress and the summary', () => {
  const tally = new Tally([S0, S1]);
  tally.addProduced([...put(S0, 1, 2, 3), ...put(S1, 4)]);
  tally.addEvents([{ ev: 'consumed', shard: S0, records: [seq(1), seq(2)], millisBehindLatest: 0, t: 1 }]);
  tally.setLeases([lease(S0, seq(1)), lease(S1, 'TRIM_HORIZON')]);

  it('show per shard what was produced, consumed, checkpointed and is behind', () => {
    expect(progressTable(tally.counts())).toEqual([
      'shard                 produced  consumed    checkpoint  behind',
      'shardId-000000000000         3         2           1/3       1',
      'shardId-000000000001         1         0  TRIM_HORIZON       1',
      'total                        4         2                     2',
    ]);
    expect(progressLine(tally.counts())).toBe('consumed 2/4: #0 2/3 cp 1/3, #1 0/1 cp TRIM_HORIZON');
  });

  it('end with the verdict and the timings', () => {
    const text = summaryText({
      counts: tally.counts(),
      expected: 4,
      timings: { startedAt: 0, daemonStartedAt: 4000, firstConsumedAt: 12_500, stopMs: 6000 },
      failures: [],
      outcome: 'timed-out',
    });
    expect(text).toContain(`${S0}         3         2  after record 1 of 3 (${seq(1)})`);
    expect(text).toContain(`${S1}         1         0  TRIM_HORIZON (no record yet)`);
    expect(text).toContain('total                        4         2  (0 delivered again)');
    expect(text).toContain('first record through the processor  12.5 s after start (8.5 s after the daemon started)');
    expect(text).toContain('every record consumed               never');
    expect(text).toContain('NOT every record arrived: 2 of 4 missing when the time ran out (--timeout)');
  });
});
