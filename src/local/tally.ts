/**
 * What `kcl-ts dev` counts per shard: records produced (from PutRecords' answers),
 * consumed (from the tap's events; a record may be consumed before its put is even
 * answered, so the two are matched when counted), and where the lease table's checkpoint
 * stands among the records produced.
 */
import type { LeaseRow } from './lease-table.js';
import type { PutResult } from './stream.js';
import type { TapEvent } from './tap-events.js';

export interface ShardCount {
  shardId: string;
  produced: number;
  /** Produced records consumed at least once. */
  consumed: number;
  /** Every delivery the processor finished, repeats included. */
  deliveries: number;
  /** The lease's checkpoint: a sequence number (`seq` or `seq/sub`), TRIM_HORIZON, SHARD_END, … */
  checkpoint: string | undefined;
  /** Produced records at or before the checkpoint (all of them at SHARD_END). */
  checkpointed: number;
  owner: string | undefined;
}

const SENTINEL_COVERS_NONE = new Set(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']);

export class Tally {
  private readonly produced = new Map<string, bigint[]>();
  private readonly producedKeys = new Map<string, Set<string>>();
  private readonly consumedKeys = new Map<string, Set<string>>();
  private readonly deliveries = new Map<string, number>();
  private readonly leases = new Map<string, LeaseRow>();
  private producedTotal = 0;
  /** When the processor first finished a batch (the tap's clock, ms since the epoch). */
  firstConsumedAt: number | undefined;
  /** Children that exited with a failure, as `shard: code N`. */
  readonly failures: string[] = [];

  constructor(readonly shardIds: readonly string[]) {
    for (const id of shardIds) this.shard(id);
  }

  private shard(id: string): void {
    if (this.produced.has(id)) return;
    this.produced.set(id, []);
    this.producedKeys.set(id, new Set());
    this.consumedKeys.set(id, new Set());
    this.deliveries.set(id, 0);
  }

  get totalProduced(): number {
    return this.producedTotal;
  }

  addProduced(results: readonly PutResult[]): void {
    for (const r of results) {
      this.shard(r.shardId);
      this.produced.get(r.shardId)!.push(BigInt(r.sequenceNumber));
      this.producedKeys.get(r.shardId)!.add(r.sequenceNumber);
      this.producedTotal++;
    }
    for (const list of this.produced.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  addEvents(events: readonly TapEvent[]): void {
    for (const e of events) {
      if (e.ev === 'consumed') {
        this.shard(e.shard);
        const seen = this.consumedKeys.get(e.shard)!;
        for (const r of e.records) seen.add(r.split('/')[0]!);
        this.deliveries.set(e.shard, this.deliveries.get(e.shard)! + e.records.length);
        if (this.firstConsumedAt === undefined || e.t < this.firstConsumedAt) this.firstConsumedAt = e.t;
      } else if (e.ev === 'exit' && (e.code !== 0 || e.signal !== null)) {
        this.failures.push(`${e.shard}: ${e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`}`);
      }
    }
  }

  setLeases(rows: readonly LeaseRow[]): void {
    for (const row of rows) {
      this.shard(row.leaseKey);
      this.leases.set(row.leaseKey, row);
    }
  }

  /** Produced records at or before `checkpoint` on the shard. */
  private covered(shardId: string, checkpoint: string | undefined): number {
    const list = this.produced.get(shardId) ?? [];
    if (checkpoint === undefined || SENTINEL_COVERS_NONE.has(checkpoint)) return 0;
    if (checkpoint === 'SHARD_END') return list.length;
    if (!/^\d+$/.test(checkpoint)) return 0;
    const at = BigInt(checkpoint);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  counts(): ShardCount[] {
    return [...this.produced.keys()].sort().map((shardId) => {
      const keys = this.producedKeys.get(shardId)!;
      const seen = this.consumedKeys.get(shardId)!;
      let consumed = 0;
      for (const k of keys) if (seen.has(k)) consumed++;
      const lease = this.leases.get(shardId);
      const sub = lease?.checkpointSubSequenceNumber;
      const checkpoint = lease?.checkpoint === undefined ? undefined : sub ? `${lease.checkpoint}/${sub}` : lease.checkpoint;
      return {
        shardId,
        produced: keys.size,
        consumed,
        deliveries: this.deliveries.get(shardId)!,
        checkpoint,
        checkpointed: this.covered(shardId, lease?.checkpoint),
        owner: lease?.leaseOwner,
      };
    });
  }

  /** True once `expected` records were produced and each was consumed. */
  allConsumed(expected: number): boolean {
    if (this.producedTotal < expected) return false;
    return this.counts().every((c) => c.consumed === c.produced);
  }
}
