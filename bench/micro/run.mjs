/**
 * `npm run bench:micro [scanner] [base64] [reader]`: the hot paths' micro-benchmarks,
 * each in a fresh process (so one's JIT state and heap do not colour the next), one
 * after the other, printing Markdown tables. BENCH_ROUNDS / BENCH_ROUND_MS set the work
 * (measure.mjs). Not part of `npm test` or CI: numbers, not verdicts.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALL = ['scanner', 'base64', 'reader'];
const here = dirname(fileURLToPath(import.meta.url));
const chosen = process.argv.length > 2 ? process.argv.slice(2) : ALL;
const unknown = chosen.filter((name) => !ALL.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown micro-benchmark ${unknown.join(', ')} (known: ${ALL.join(', ')})\n`);
  process.exit(2);
}
for (const name of chosen) {
  const { status } = spawnSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
