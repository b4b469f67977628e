/**
 * Reading what the recording processors (test/e2e/processors/, their lines in
 * processor-kit.ts) wrote, and the checks every scenario makes on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { compareSequenceNumbers, type PutResult } from './kinesis.js';

export interface ConsumedEvent {
  ev: 'initialize' | 'record' | 'throw' | 'leaseLost' | 'shardEnded' | 'shutdownRequested' | 'exit';
  shard: string;
  pid: number;
  /** Hub mode (recording-hub.ts): one per lease session; the pid is then the hub's, shared by every lease. */
  session?: string;
  run: string;
  seq?: string | null;
  sub?: number | null;
  data?: string;
  code?: number;
  t?: number;
}

export function readEvents(file: string): ConsumedEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ConsumedEvent);
}

export function consumedRecords(events: readonly ConsumedEvent[], run?: string): ConsumedEvent[] {
  return events.filter((e) => e.ev === 'record' && (run === undefined || e.run === run));
}

/** Payloads consumed at least once. */
export function consumedData(events: readonly ConsumedEvent[]): Set<string> {
  return new Set(consumedRecords(events).map((e) => e.data!));
}

/** Payloads put that were never consumed. */
export function missing(put: readonly PutResult[], events: readonly ConsumedEvent[]): string[] {
  const seen = consumedData(events);
  return put.filter((r) => !seen.has(r.data)).map((r) => r.data);
}

/** Payloads consumed more than once. */
export function duplicates(events: readonly ConsumedEvent[]): string[] {
  const counts = new Map<string, number>();
  for (const e of consumedRecords(events)) counts.set(e.data!, (counts.get(e.data!) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([d]) => d);
}

/**
 * Per-shard order violations among the records of one lease lifetime (a child process,
 * or a hub's session): each must deliver its shard in increasing sequence order (a retry
 * after a `throw` event starts over).
 */
export function orderViolations(events: readonly ConsumedEvent[]): string[] {
  const last = new Map<string, string>();
  const problems: string[] = [];
  for (const e of events) {
    const lease = e.session ?? String(e.pid);
    // a processor that threw gets its batch again (the error policy's retry)
    if (e.ev === 'throw') last.delete(lease);
    if (e.ev !== 'record') continue;
    const prev = last.get(lease);
    if (prev !== undefined && compareSequenceNumbers(prev, e.seq!) >= 0) {
      problems.push(`${e.shard} ${e.session === undefined ? `pid ${e.pid}` : `session ${e.session}`}: ${e.seq} after ${prev}`);
    }
    last.set(lease, e.seq!);
  }
  return problems;
}

/** Every put record arrived on the shard Kinesis put it on, with the same sequence number. */
export function placementErrors(put: readonly PutResult[], events: readonly ConsumedEvent[]): string[] {
  const byData = new Map(put.map((r) => [r.data, r]));
  const problems: string[] = [];
  for (const e of consumedRecords(events)) {
    const p = byData.get(e.data!);
    if (!p) problems.push(`unexpected record ${e.data}`);
    else if (p.shardId !== e.shard || p.sequenceNumber !== e.seq) {
      problems.push(`${e.data}: put ${p.shardId}/${p.sequenceNumber}, consumed ${e.shard}/${e.seq}`);
    }
  }
  return problems;
}

/** The largest sequence number consumed per shard. */
export function lastConsumedPerShard(events: readonly ConsumedEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of consumedRecords(events)) {
    const prev = out.get(e.shard);
    if (prev === undefined || compareSequenceNumbers(prev, e.seq!) < 0) out.set(e.shard, e.seq!);
  }
  return out;
}

export function summarize(events: readonly ConsumedEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(`${e.run}:${e.ev}`, (counts.get(`${e.run}:${e.ev}`) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}=${n}`).join(' ');
}

/** A worker killed with its leases, and the one that took them over (failover scenarios). */
export interface Takeover {
  /** The survivor's `run` label. */
  readonly survivor: string;
  /** The shards the victim held when it was killed. */
  readonly shards: ReadonlySet<string>;
  /** Each shard's checkpoint in the lease table at the kill. */
  readonly checkpointsAtKill: ReadonlyMap<string, string | undefined>;
  /** When the kill was sent (ms since the epoch). */
  readonly killedAt: number;
}

/**
 * How the survivor resumed the taken shards: each initialized by it after the kill at the
 * checkpoint stored at the kill (it may have held the shard before, until a rebalance
 * handed it over), and the only records delivered twice are of those shards, past that
 * checkpoint (the victim processed them after its last one). `duplicated` counts them.
 */
export function takeoverProblems(events: readonly ConsumedEvent[], takeover: Takeover): { problems: string[]; duplicated: number } {
  const { survivor, shards, checkpointsAtKill, killedAt } = takeover;
  const problems: string[] = [];
  for (const shard of shards) {
    const init = events.find((e) => e.ev === 'initialize' && e.run === survivor && e.shard === shard && (e.t ?? 0) >= killedAt);
    if (init === undefined) problems.push(`${survivor} never initialized ${shard} after the kill`);
    else if (init.seq !== checkpointsAtKill.get(shard)) problems.push(`${survivor} initialized ${shard} at ${init.seq}, its checkpoint at the kill was ${checkpointsAtKill.get(shard)}`);
  }
  const dupes = new Set(duplicates(events));
  for (const e of consumedRecords(events)) {
    if (!dupes.has(e.data!)) continue;
    const cp = checkpointsAtKill.get(e.shard);
    if (!shards.has(e.shard)) problems.push(`${e.data} duplicated on ${e.shard}, which the victim did not hold`);
    else if (cp && /^\d+$/.test(cp) && compareSequenceNumbers(e.seq!, cp) <= 0) problems.push(`${e.data} duplicated on ${e.shard} at ${e.seq}, not past the checkpoint at the kill ${cp}`);
  }
  return { problems, duplicated: dupes.size };
}
