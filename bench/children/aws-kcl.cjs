// The official aws-kcl (npm) child with an equivalent processor: decode every record.
// BENCH_MODE=rtt: checkpoint at every record, report round trips on stderr.
const kcl = require('aws-kcl');

const mode = process.env.BENCH_MODE ?? 'touch';
let sink = 0;
const rtts = [];

kcl({
  initialize(input, done) {
    done();
  },
  processRecords(input, done) {
    const records = input.records;
    if (mode === 'rtt') {
      let i = 0;
      const next = () => {
        if (i === records.length) return done();
        const record = records[i++];
        const t0 = process.hrtime.bigint();
        input.checkpointer.checkpoint(record.sequenceNumber, (err) => {
          rtts.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (err) process.stderr.write(`checkpoint error ${err}\n`);
          next();
        });
      };
      return next();
    }
    for (let i = 0; i < records.length; i++) sink += Buffer.from(records[i].data, 'base64')[0] ?? 0;
    done();
  },
  leaseLost(input, done) {
    if (mode === 'rtt') process.stderr.write(`BENCH ${JSON.stringify({ rtts })}\n`);
    done();
  },
  shardEnded(input, done) {
    input.checkpointer.checkpoint(() => done());
  },
  shutdownRequested(input, done) {
    done();
  },
}).run();
