/**
 * `kcl-ts dev`'s output while it runs: on a terminal, a table per shard redrawn in place;
 * otherwise (a pipe, CI) a plain line whenever the counts change, at most every few
 * seconds. Messages go above the table. Everything here goes to stderr; the summary
 * (summary.ts) goes to stdout.
 */
import type { ShardCount } from './tally.js';

export interface ProgressSink {
  write(text: string): void;
  /** Redraw in place (a terminal) or print plain lines. */
  tty: boolean;
}

/** How a checkpoint reads in the live table: how many of the shard's records it covers. */
export function checkpointCell(c: ShardCount): string {
  if (c.checkpoint === undefined) return '-';
  if (!/^\d/.test(c.checkpoint)) return c.checkpoint;
  return `${c.checkpointed}/${c.produced}`;
}

export function shortShard(shardId: string): string {
  return shardId.replace(/^shardId-0*(?=\d)/, '#');
}

/** The live table: one row per shard and a total. */
export function progressTable(counts: readonly ShardCount[]): string[] {
  const header = ['shard', 'produced', 'consumed', 'checkpoint', 'behind'];
  const rows = counts.map((c) => [c.shardId, String(c.produced), String(c.consumed), checkpointCell(c), String(c.produced - c.consumed)]);
  const produced = counts.reduce((n, c) => n + c.produced, 0);
  const consumed = counts.reduce((n, c) => n + c.consumed, 0);
  rows.push(['total', String(produced), String(consumed), '', String(produced - consumed)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** One plain line: the totals, then each shard's consumed/produced and checkpoint. */
export function progressLine(counts: readonly ShardCount[]): string {
  const produced = counts.reduce((n, c) => n + c.produced, 0);
  const consumed = counts.reduce((n, c) => n + c.consumed, 0);
  const cells = counts.map((c) => `${shortShard(c.shardId)} ${c.consumed}/${c.produced} cp ${checkpointCell(c)}`);
  return `consumed ${consumed}/${produced}: ${cells.join(', ')}`;
}

const PLAIN_INTERVAL_MS = 3000;

export class Progress {
  private drawn = 0;
  private lastTable = '';
  private lastPlain = '';
  private lastPlainAt = 0;
  private readonly started = Date.now();

  constructor(private readonly sink: ProgressSink) {}

  private stamp(): string {
    return `[kcl-ts dev +${((Date.now() - this.started) / 1000).toFixed(1)}s]`;
  }

  private clear(): void {
    if (this.sink.tty && this.drawn > 0) this.sink.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  /** A message above the table (which is drawn again on the next update). */
  say(message: string): void {
    this.clear();
    this.sink.write(`${this.stamp()} ${message}\n`);
  }

  /** `note` (a terminal only) goes under the table with the time, e.g. what is awaited. */
  update(counts: readonly ShardCount[], force = false, note = ''): void {
    if (this.sink.tty) {
      const table = [...progressTable(counts), `${this.stamp()} ${note}`.trimEnd()].join('\n');
      if (table === this.lastTable && this.drawn > 0) return;
      this.clear();
      this.sink.write(`${table}\n`);
      this.lastTable = table;
      this.drawn = table.split('\n').length;
      return;
    }
    const line = progressLine(counts);
    const now = Date.now();
    if (line === this.lastPlain || (!force && now - this.lastPlainAt < PLAIN_INTERVAL_MS)) return;
    this.lastPlain = line;
    this.lastPlainAt = now;
    this.sink.write(`${this.stamp()} ${line}\n`);
  }

  /** Leave the last table on screen; later output starts below it. */
  done(): void {
    this.drawn = 0;
  }
}
