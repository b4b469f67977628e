/**
 * Keeps a child's memory near the batch it holds. A batch's records are views into the
 * stdin chunks it arrived in, so the chunks live as long as the batch; by the time it is
 * answered they have survived enough scavenges to sit in the old generation, and V8 frees
 * old external memory only at a mark-compact, which external-memory pressure starts at
 * about 64 MB. Left alone, a child reading maximal batches holds three or four 15 MB
 * lines of dead chunks, and a young generation that has grown to 2 × 16 MB because every
 * batch's record objects survive a scavenge or two. Two remedies, both measured by
 * `node bench/bench.mjs memory`:
 *
 * - a full collection once a large batch is answered, while the daemon fetches the
 *   next one (the child is idle then; about 7 ms on a small heap);
 * - stopping the young generation's growth at a size that still keeps scavenges rare.
 *
 * Neither needs node flags in `executableName`: `--expose-gc` is switched on just long
 * enough to take V8's `gc` function (as Jest does for `--logHeapUsage`), and the growth
 * factor is read by V8 each time it grows the young generation.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

// Loaded on the first batch, not at start-up (node:v8 alone costs ~1.6 ms to load).
const require = createRequire(import.meta.url);
let v8Module: typeof import('node:v8') | undefined;
const v8 = (): typeof import('node:v8') => (v8Module ??= require('node:v8') as typeof import('node:v8'));

export interface MemoryOptions {
  /**
   * Run a full garbage collection after answering a batch whose line was at least this
   * many bytes (a maximal batch is about 15.6 MB). Default 8 MiB; 0 never collects.
   */
  readonly collectAfterBatchBytes?: number;
  /**
   * Stop V8's young generation growing once it has reached this many MB (checked
   * after each batch; V8 grows it by doubling, up to 32 MB). Default 16; 0 leaves it alone.
   */
  readonly youngGenerationMB?: number;
}

export const DEFAULT_COLLECT_AFTER_BATCH_BYTES = 8 * 1024 * 1024;
export const DEFAULT_YOUNG_GENERATION_MB = 16;

type Collect = () => void;

/** V8's `gc`, without `node --expose-gc`; undefined if this V8 will not give it. */
function takeGc(): Collect | undefined {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as Collect;
  try {
    v8().setFlagsFromString('--expose-gc');
    const vm = require('node:vm') as typeof import('node:vm');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Collect) : undefined;
  } catch {
    return undefined;
  } finally {
    // Only the context made above gets `gc`; later contexts are left as they were.
    v8().setFlagsFromString('--no-expose-gc');
  }
}

function youngGenerationBytes(): number {
  for (const space of v8().getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') return space.space_size;
  }
  return 0;
}

export class MemoryKeeper {
  /** Taken on the first large batch (a new V8 context costs start-up time a child with small batches need not pay); null: none to be had. */
  private collect: Collect | null | undefined;
  private youngCapped: boolean;
  /** Full collections run so far (for tests and logs). */
  collections = 0;

  constructor(
    private readonly collectAfterBatchBytes: number,
    private readonly youngGenerationMB: number,
    private readonly logger?: Logger,
  ) {
    this.youngCapped = youngGenerationMB === 0;
  }

  /** A batch has been answered and the child waits for the daemon; `lineBytes`: the largest line read since the last call. */
  afterBatch(lineBytes: number): void {
    if (!this.youngCapped) {
      const young = youngGenerationBytes();
      if (young >= this.youngGenerationMB * 1e6) {
        v8().setFlagsFromString('--semi-space-growth-factor=1');
        this.youngCapped = true;
        this.logger?.info({ youngGenerationMB: Math.round(young / 1e5) / 10 }, 'young generation growth stopped');
      }
    }
    if (this.collectAfterBatchBytes > 0 && lineBytes >= this.collectAfterBatchBytes) {
      if (this.collect === undefined) {
        this.collect = takeGc() ?? null;
        if (this.collect === null) this.logger?.info('no gc function from V8: no collections after large batches');
      }
      if (this.collect === null) return;
      const started = performance.now();
      this.collect();
      this.collections++;
      this.logger?.debug({ lineBytes, ms: Math.round((performance.now() - started) * 10) / 10 }, 'full collection after a large batch');
    }
  }
}
