/**
 * A processor that never consumes: its processRecords never returns, so no batch is ever
 * finished (what `kcl-ts dev --timeout` must catch).
 */
import { run } from '../../../src/index.js';

await run({
  processRecords: () => new Promise<void>(() => undefined),
});
