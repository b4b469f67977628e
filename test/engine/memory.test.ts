import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MemoryKeeper } from '../../src/engine/memory.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryKeeper: a full collection after a large batch', () => {
  it('collects after a line at or above the threshold, and only then', async () => {
    const keeper = new MemoryKeeper(1000, 0);
    // A WeakRef's target stays alive until the job that made it ends: make it, then yield.
    let ref: WeakRef<object> | undefined = (() => new WeakRef({ garbage: new Array(1000).fill(7) }))();
    await tick();
    keeper.afterBatch(999);
    expect(keeper.collections).toBe(0);
    keeper.afterBatch(1000);
    expect(keeper.collections).toBe(1);
    expect(ref.deref()).toBeUndefined();
    ref = undefined;
    keeper.afterBatch(50_000);
    expect(keeper.collections).toBe(2);
  });

  it('never collects with a threshold of 0', () => {
    const keeper = new MemoryKeeper(0, 0);
    keeper.afterBatch(1e9);
    expect(keeper.collections).toBe(0);
  });
});

/**
 * Run in a fresh process: the young generation's size is process-wide. Its largest size
 * over the run is what counts: V8 may also shrink it (a memory-reducing collection when the
 * machine is busy), so the last size alone could pass a cap that did not hold, or fail one
 * that did.
 */
function youngGeneration(capMB: number): { before: number; largest: number } {
  const script = `
    import v8 from 'node:v8';
    import { MemoryKeeper } from ${JSON.stringify(`${ROOT}src/engine/memory.ts`)};
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const keeper = new MemoryKeeper(0, ${capMB});
    keeper.afterBatch(0);
    const before = size();
    // Batches of objects that survive a few scavenges, as a batch's records do.
    const live = [];
    let largest = before;
    for (let round = 0; round < 300; round++) {
      live.push(Array.from({ length: 20000 }, (_, i) => ({ i, s: 'r' + i })));
      if (live.length > 4) live.shift();
      keeper.afterBatch(0);
      largest = Math.max(largest, size());
    }
    process.stdout.write(JSON.stringify({ before, largest }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as { before: number; largest: number };
}

describe('MemoryKeeper: the young generation', () => {
  it('grows under surviving batches when left alone (youngGenerationMB: 0)', () => {
    const { before, largest } = youngGeneration(0);
    expect(largest).toBeGreaterThanOrEqual(4 * before);
  });

  it('stops growing once it has reached youngGenerationMB', () => {
    // 1 MB: reached at start, so it must not grow at all.
    const { before, largest } = youngGeneration(1);
    expect(before).toBeGreaterThanOrEqual(1e6);
    expect(largest).toBe(before);
  });
});
