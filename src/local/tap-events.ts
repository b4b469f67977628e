/**
 * What `kcl-ts dev` learns about a shard child without touching the user's processor:
 * the tap (tap-main.ts) sits between the daemon and the child, reads the messages both
 * ways and writes these events. A record counts as consumed once the child has answered
 * the `processRecords` that carried it (`status` for it): the processor's handler has
 * returned for the whole batch.
 */
import { readdirSync, readSync, openSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';

export type TapEvent =
  | { ev: 'start'; shard: string; from: string | null; pid: number; t: number }
  /** `records`: "seq" or "seq/sub" (KPL sub-records), in delivery order. */
  | { ev: 'consumed'; shard: string; records: string[]; millisBehindLatest: number | null; t: number }
  | { ev: 'checkpoint'; shard: string; at: string | null; error: string | null; t: number }
  | { ev: 'end'; shard: string; why: 'leaseLost' | 'shardEnded' | 'shutdownRequested'; t: number }
  | { ev: 'exit'; shard: string; code: number | null; signal: string | null; t: number };

interface PendingBatch {
  records: string[];
  millisBehindLatest: number | null;
}

type Message = Record<string, unknown>;

function parse(line: string): Message | undefined {
  if (!line.includes('"action"')) return undefined;
  try {
    const m: unknown = JSON.parse(line);
    return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Message) : undefined;
  } catch {
    return undefined; // not a message: the daemon skips such lines too
  }
}

function position(seq: unknown, sub: unknown): string | null {
  if (typeof seq !== 'string') return null;
  return typeof sub === 'number' && sub !== 0 ? `${seq}/${sub}` : seq;
}

/** Turns the lines of one child's conversation into events (pure: the tap writes them). */
export class TapObserver {
  private shard = 'unknown-shard';
  private pending: PendingBatch | undefined;

  constructor(
    private readonly emit: (event: TapEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get shardId(): string {
    return this.shard;
  }

  /** A line the daemon wrote to the child. */
  fromDaemon(line: string): void {
    const m = parse(line);
    if (!m) return;
    const t = this.now();
    switch (m['action']) {
      case 'initialize':
        if (typeof m['shardId'] === 'string') this.shard = m['shardId'];
        this.emit({ ev: 'start', shard: this.shard, from: position(m['sequenceNumber'], m['subSequenceNumber']), pid: process.pid, t });
        break;
      case 'processRecords': {
        const records = Array.isArray(m['records']) ? (m['records'] as unknown[]) : [];
        this.pending = {
          records: records.map((r) => (r && typeof r === 'object' ? position((r as Message)['sequenceNumber'], (r as Message)['subSequenceNumber']) : null) ?? '?'),
          millisBehindLatest: typeof m['millisBehindLatest'] === 'number' ? m['millisBehindLatest'] : null,
        };
        break;
      }
      case 'checkpoint':
        // The daemon's answer to a checkpoint the child asked for: done, or why not.
        this.emit({ ev: 'checkpoint', shard: this.shard, at: position(m['sequenceNumber'], m['subSequenceNumber']), error: typeof m['error'] === 'string' ? m['error'] : null, t });
        break;
      case 'leaseLost':
      case 'shardEnded':
      case 'shutdownRequested':
        this.emit({ ev: 'end', shard: this.shard, why: m['action'], t });
        break;
      default:
        break;
    }
  }

  /** A line the child wrote to the daemon. */
  fromChild(line: string): void {
    const m = parse(line);
    if (!m || m['action'] !== 'status' || m['responseFor'] !== 'processRecords' || !this.pending) return;
    const batch = this.pending;
    this.pending = undefined;
    if (batch.records.length === 0) return;
    this.emit({ ev: 'consumed', shard: this.shard, records: batch.records, millisBehindLatest: batch.millisBehindLatest, t: this.now() });
  }

  exited(code: number | null, signal: string | null): void {
    this.emit({ ev: 'exit', shard: this.shard, code, signal, t: this.now() });
  }
}

/**
 * Reads the events every tap wrote into `dir` (one file per child process), each call
 * returning only what was appended since the last, whole lines only.
 */
export class TapEventReader {
  private readonly offsets = new Map<string, number>();

  constructor(readonly dir: string) {}

  poll(): TapEvent[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.jsonl')).sort();
    } catch {
      return [];
    }
    const events: TapEvent[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      for (const line of this.readNewLines(name, file)) {
        if (line.trim() === '') continue;
        try {
          events.push(JSON.parse(line) as TapEvent);
        } catch {
          /* a tap's write is whole lines; anything else is not ours */
        }
      }
    }
    return events;
  }

  /** The whole lines appended since the last call; a line still being written waits. */
  private readNewLines(name: string, file: string): string[] {
    const offset = this.offsets.get(name) ?? 0;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return [];
      const buf = Buffer.alloc(size - offset);
      const n = readSync(fd, buf, 0, buf.length, offset);
      const end = buf.lastIndexOf(10, n - 1);
      if (end < 0) return [];
      this.offsets.set(name, offset + end + 1);
      return buf.subarray(0, end).toString('utf8').split('\n');
    } finally {
      closeSync(fd);
    }
  }
}
