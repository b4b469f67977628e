// kcl-ts (the built package, as `node dist/app.js` would run it) with a batch processor
// that touches every record's data. BENCH_MODE=checkpoint: also checkpoint after every
// batch. BENCH_MODE=rtt: checkpoint at every record and report the round trips on stderr.
// BENCH_DIST: another build of kcl-ts (the bench's BENCH_BASELINE, for before/after numbers).
// BENCH_MODE=memory: touch data, and report V8's heap spaces at leaseLost (bench/bench.mjs memory).
// BENCH_MEMORY: run()'s memory option, as JSON (`false`: V8 alone).
// KCL_TS_HUB_SOCKET set: the same app as a hub (bench/hub-fleet.mjs), given a factory, one
// processor per lease. As a child it passes one processor object, which a BENCH_DIST build
// from before run() took factories understands too.
import v8 from 'node:v8';

const { run } = await import(process.env.BENCH_DIST ?? '../../dist/index.js');

const mode = process.env.BENCH_MODE ?? 'touch';
let sink = 0;
const rtts = [];

const makeProcessor = () => ({
  async processRecords({ records, checkpointer }) {
    if (mode === 'rtt') {
      for (const record of records) {
        const t0 = process.hrtime.bigint();
        await checkpointer.checkpoint(record);
        rtts.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return;
    }
    for (let i = 0; i < records.length; i++) sink += records[i].data[0] ?? 0;
    if (mode === 'checkpoint') await checkpointer.checkpoint();
  },
  leaseLost() {
    if (mode === 'rtt') process.stderr.write(`BENCH ${JSON.stringify({ rtts })}\n`);
    if (mode === 'memory') {
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      const mb = (x) => (x / 1e6).toFixed(1);
      const report = { newSpace: `${mb(space.space_size)} / ${mb(space.space_used_size)}`, external: mb(process.memoryUsage().external) };
      process.stderr.write(`BENCH ${JSON.stringify(report)}\n`);
    }
  },
});

await run(
  process.env.KCL_TS_HUB_SOCKET ? makeProcessor : makeProcessor(),
  { checkpoint: { manual: true }, ...(process.env.BENCH_MEMORY ? { memory: JSON.parse(process.env.BENCH_MEMORY) } : {}) },
);
