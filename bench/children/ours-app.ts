// The same child as ours.mjs, from the TypeScript sources: for `npx tsx` start-up time.
import { run } from '../../src/index.js';

let sink = 0;
await run(
  {
    processRecords({ records }) {
      for (const record of records) sink += record.data[0] ?? 0;
    },
  },
  { checkpoint: { manual: true } },
);
if (sink < 0) process.exit(2);
