// The raw limit: the least any Node child can do. readline + JSON.parse + base64-decode
// every record + answer status. No validation, no checkpoints, no error handling.
import { createInterface } from 'node:readline';

let sink = 0;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
rl.on('line', (line) => {
  if (line === '') return;
  const m = JSON.parse(line);
  if (m.action === 'checkpoint') return;
  if (m.action === 'processRecords') {
    const records = m.records;
    for (let i = 0; i < records.length; i++) sink += Buffer.from(records[i].data, 'base64')[0] ?? 0;
  }
  process.stdout.write(`\n{"action":"status","responseFor":"${m.action}"}\n`);
});
rl.on('close', () => process.exit(sink === -1 ? 1 : 0));
