/**
 * Memory soak: 100 consecutive maximal batches (10,000 records × 1,000 bytes, a 13 MB
 * line each) through our child under the strict fake daemon. Prints the child's RSS and
 * peak RSS (VmHWM) every 10 batches; "flat" means the peak after batch 10 is the peak
 * after batch 100. Linux only (/proc). The child runs the built package (dist/).
 * Run: npm run bench:soak, or npx tsx bench/soak/memory.ts [batches] after npm run build.
 */
import { readFileSync } from 'node:fs';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const batches = Number(process.argv[2] ?? '100');
const ROOT = new URL('../..', import.meta.url).pathname;

function memory(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 'NaN');
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

const child = `import { run } from '${ROOT}dist/index.js';
let bytes = 0;
await run({ processRecords({ records }) { for (const r of records) bytes += r.data.length; } }, { checkpoint: { everyRecords: 10000 } });`;

const daemon = FakeDaemon.spawn(process.execPath, ['--input-type=module', '-e', child], { timeoutMs: 60_000 });
await daemon.send({ action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
const pid = daemon.pid!;
const idle = memory(pid);
const payload = 'x'.repeat(1000);
// Pre-generated once: the batches differ only in sequence numbers, which the daemon checks.
const template = makeBatch(10_000, 0, () => payload);
const lineMB = JSON.stringify(template).length / 1e6;
console.log(`child pid ${pid}; idle RSS ${idle.rssMB.toFixed(1)} MB; line ${lineMB.toFixed(1)} MB; ${batches} batches`);
console.log('batch\tRSS MB\tpeak MB\tms/batch');
const rows: { batch: number; rssMB: number; peakMB: number }[] = [];
let t = performance.now();
for (let b = 1; b <= batches; b++) {
  const batch = makeBatch(10_000, (b - 1) * 10_000, () => payload);
  const x = await daemon.send(batch);
  if (x.messages.at(-1)?.action !== 'status' || x.replies.some((r) => r.error !== null)) throw new Error(`batch ${b}: unexpected answer ${JSON.stringify(x.messages)}`);
  if (b % 10 === 0) {
    const m = memory(pid);
    rows.push({ batch: b, ...m });
    console.log(`${b}\t${m.rssMB.toFixed(1)}\t${m.peakMB.toFixed(1)}\t${((performance.now() - t) / 10).toFixed(0)}`);
    t = performance.now();
  }
}
await daemon.send({ action: 'leaseLost' });
const end = await daemon.close();
const first = rows[0]!;
const last = rows.at(-1)!;
console.log(
  `peak RSS after batch ${first.batch}: ${first.peakMB.toFixed(1)} MB; after batch ${last.batch}: ${last.peakMB.toFixed(1)} MB ` +
    `(growth ${(last.peakMB - first.peakMB).toFixed(1)} MB); peak above idle: ${(last.peakMB - idle.rssMB).toFixed(1)} MB = ${((last.peakMB - idle.rssMB) / lineMB).toFixed(2)} × the line; child exit ${end.exitCode}`,
);
