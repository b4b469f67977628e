/**
 * Fault-injection helpers (test/faults/): a seeded PRNG, and the checks made on what the
 * killing processor (test/faults/processors/killing.ts) wrote.
 */
import { compareSequenceNumbers } from './kinesis.js';
import type { ConsumedEvent } from './consumed.js';

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** The seed: `FAULTS_SEED` when set, else the given default (printed by the caller). */
export function faultsSeed(fallback: number): number {
  const env = process.env.FAULTS_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isSafeInteger(n)) throw new Error(`FAULTS_SEED must be an integer, got ${env}`);
    return n;
  }
  return fallback;
}

const numeric = (s: string | null | undefined): boolean => typeof s === 'string' && /^\d+$/.test(s);

/**
 * Order of first deliveries: per shard, the records seen for the first time (in the order
 * they were written) have increasing sequence numbers.
 */
export function firstDeliveryOrderViolations(events: readonly ConsumedEvent[]): string[] {
  const seen = new Set<string>();
  const last = new Map<string, string>();
  const problems: string[] = [];
  for (const e of events) {
    if (e.ev !== 'record' || seen.has(e.data!)) continue;
    seen.add(e.data!);
    const prev = last.get(e.shard);
    if (prev !== undefined && compareSequenceNumbers(prev, e.seq!) >= 0) {
      problems.push(`${e.shard}: first delivery of ${e.seq} after ${prev}`);
    }
    last.set(e.shard, e.seq!);
  }
  return problems;
}

export interface RedeliveryReport {
  /** Records delivered more than once (counting each extra delivery). */
  redeliveries: number;
  /** Redeliveries at or before the last confirmed checkpoint of their shard: must be none. */
  problems: string[];
}

/**
 * Every redelivered record comes after the last checkpoint confirmed (a `checkpointed`
 * line) for its shard before it; and every child starts at or after that checkpoint
 * (`initialize.seq`) and delivers only records after its start.
 */
export function redeliveryProblems(events: readonly ConsumedEvent[]): RedeliveryReport {
  const seen = new Set<string>();
  const confirmed = new Map<string, string>();
  const startOf = new Map<number, string>();
  const problems: string[] = [];
  let redeliveries = 0;
  for (const e of events) {
    if (e.ev === ('checkpointed' as ConsumedEvent['ev']) && numeric(e.seq)) {
      const seq = e.seq!;
      const prev = confirmed.get(e.shard);
      if (prev === undefined || compareSequenceNumbers(prev, seq) < 0) confirmed.set(e.shard, seq);
    } else if (e.ev === 'initialize') {
      const cp = confirmed.get(e.shard);
      if (numeric(e.seq)) {
        const seq = e.seq!;
        startOf.set(e.pid, seq);
        if (cp !== undefined && compareSequenceNumbers(seq, cp) < 0) {
          problems.push(`${e.shard} pid ${e.pid}: initialized at ${e.seq}, before the confirmed checkpoint ${cp}`);
        }
      } else if (cp !== undefined && e.seq !== 'SHARD_END') {
        problems.push(`${e.shard} pid ${e.pid}: initialized at ${String(e.seq)} after a confirmed checkpoint ${cp}`);
      }
    } else if (e.ev === 'record') {
      const start = startOf.get(e.pid);
      if (start !== undefined && compareSequenceNumbers(e.seq!, start) <= 0) {
        problems.push(`${e.shard} pid ${e.pid}: record ${e.seq} at or before its start ${start}`);
      }
      if (seen.has(e.data!)) {
        redeliveries += 1;
        const cp = confirmed.get(e.shard);
        if (cp !== undefined && compareSequenceNumbers(e.seq!, cp) <= 0) {
          problems.push(`${e.shard}: ${e.data} (${e.seq}) redelivered at or before the confirmed checkpoint ${cp}`);
        }
      }
      seen.add(e.data!);
    }
  }
  return { redeliveries, problems };
}

// ---------------------------------------------------------------------------------------
// A supervisor, as a real deployment has one (systemd, Kubernetes): whenever the daemon
// exits, start it again.

export interface Supervised {
  process: { exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; running: boolean };
  stopGracefully(timeoutMs?: number): Promise<unknown>;
}

export interface Supervisor<T extends Supervised> {
  /** How many times the daemon was started (1 = never restarted). */
  starts(): number;
  /** Exit codes of the runs that ended on their own. */
  exits(): { code: number | null; signal: NodeJS.Signals | null }[];
  current(): T | undefined;
  /** Stop restarting; stop the running daemon gracefully. */
  stop(): Promise<void>;
}

export function supervise<T extends Supervised>(
  start: (n: number) => Promise<T>,
  options: { beforeRestart?: () => Promise<void>; restartDelayMs?: number; log?: (line: string) => void } = {},
): Supervisor<T> {
  let stopped = false;
  let count = 0;
  let current: T | undefined;
  const exits: { code: number | null; signal: NodeJS.Signals | null }[] = [];
  const log = options.log ?? ((line: string) => console.log(line));
  const loop = (async () => {
    while (!stopped) {
      try {
        current = await start(count++);
      } catch (err) {
        log(`supervisor: start ${count} failed: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, options.restartDelayMs ?? 1000));
        continue;
      }
      if (stopped) {
        await current.stopGracefully();
        break;
      }
      const info = await current.process.exited;
      if (stopped) break;
      exits.push(info);
      log(`supervisor: the daemon exited ${JSON.stringify(info)}; restarting`);
      try {
        await options.beforeRestart?.();
      } catch (err) {
        log(`supervisor: before restart: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((r) => setTimeout(r, options.restartDelayMs ?? 1000));
    }
  })();
  return {
    starts: () => count,
    exits: () => [...exits],
    current: () => current,
    async stop() {
      stopped = true;
      // a start in progress is stopped by the loop once it is up
      if (current?.process.running) await current.stopGracefully();
      await loop;
    },
  };
}
