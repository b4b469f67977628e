// kcl-ts (the built package, as `node dist/app.js` would run it) with a batch processor
// that touches every record's data. BENCH_MODE=checkpoint: also checkpoint after every
// batch. BENCH_MODE=rtt: checkpoint at every record and report the round trips on stderr.
// BENCH_DIST: another build of kcl-ts (the bench's BENCH_BASELINE, for before/after numbers).
const { run } = await import(process.env.BENCH_DIST ?? '../../../dist/index.js');

const mode = process.env.BENCH_MODE ?? 'touch';
let sink = 0;
const rtts = [];

await run(
  {
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
    },
  },
  { checkpoint: { manual: true } },
);
