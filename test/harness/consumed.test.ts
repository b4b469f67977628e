/**
 * takeoverProblems, the failover scenarios' verdict (failover.e2e and hub.e2e), on
 * hand-made events: it runs only after minutes of real daemons, so its own mistakes are
 * caught here.
 */
import { describe, expect, it } from 'vitest';
import { takeoverProblems, type ConsumedEvent, type Takeover } from './consumed.js';

const KILLED_AT = 1_000;
const takeover: Takeover = {
  survivor: 'w2',
  shards: new Set(['shard-1']),
  checkpointsAtKill: new Map([
    ['shard-0', '100'],
    ['shard-1', '200'],
  ]),
  killedAt: KILLED_AT,
};
const init = (run: string, shard: string, seq: string, t: number): ConsumedEvent => ({ ev: 'initialize', shard, pid: 1, run, seq, t });
const rec = (run: string, shard: string, seq: string, data: string): ConsumedEvent => ({ ev: 'record', shard, pid: 1, run, seq, data });

describe('takeoverProblems', () => {
  it('none when the survivor resumed the taken shard at its checkpoint and only records past it came twice', () => {
    const events = [
      init('w1', 'shard-1', 'TRIM_HORIZON', 10),
      rec('w1', 'shard-1', '210', 'a'),
      // the survivor held the shard once before, at another position: only the one after the kill counts
      init('w2', 'shard-1', 'TRIM_HORIZON', 500),
      init('w2', 'shard-1', '200', KILLED_AT + 5),
      rec('w2', 'shard-1', '210', 'a'),
    ];
    expect(takeoverProblems(events, takeover)).toEqual({ problems: [], duplicated: 1 });
  });

  it('names a taken shard the survivor never initialized after the kill, or initialized elsewhere', () => {
    expect(takeoverProblems([init('w2', 'shard-1', '200', KILLED_AT - 1)], takeover).problems).toEqual(['w2 never initialized shard-1 after the kill']);
    expect(takeoverProblems([init('w2', 'shard-1', '150', KILLED_AT)], takeover).problems).toEqual([
      'w2 initialized shard-1 at 150, its checkpoint at the kill was 200',
    ]);
  });

  it('names a record delivered twice on a shard the victim did not hold, or not past the checkpoint', () => {
    const events = [
      init('w2', 'shard-1', '200', KILLED_AT),
      rec('w1', 'shard-0', '110', 'x'),
      rec('w2', 'shard-0', '110', 'x'),
      rec('w1', 'shard-1', '190', 'y'),
      rec('w2', 'shard-1', '190', 'y'),
    ];
    expect(takeoverProblems(events, takeover)).toEqual({
      problems: [
        'x duplicated on shard-0, which the victim did not hold',
        'x duplicated on shard-0, which the victim did not hold',
        'y duplicated on shard-1 at 190, not past the checkpoint at the kill 200',
        'y duplicated on shard-1 at 190, not past the checkpoint at the kill 200',
      ],
      duplicated: 2,
    });
  });
});
