/**
 * The micro-benchmarks' clock. Variants of one comparison run in alternation, round
 * after round, each round starting with the next variant, so that a slow spell of this
 * shared machine (or a JIT tier-up) falls on all of them rather than on one; each round
 * gives one rate per variant and the table shows their median, with the spread.
 *
 * A variant is { name, prepare?, run }: `prepare()` (untimed) readies one operation,
 * `run()` performs it and returns how much it processed (bytes for MB/s, anything
 * countable for ops/s); `run` may return a promise. Each operation is timed alone, so
 * `prepare` can restore what the previous one changed (e.g. a buffer decoded in place).
 *
 * BENCH_ROUNDS (default 7) and BENCH_ROUND_MS (default 250) set the work per variant.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const UNITS = {
  'MB/s': { scale: 1e-6, digits: 1 },
  'ops/s': { scale: 1, digits: 0 },
};

const fmt = (x, digits) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Runs one variant for about ROUND_MS of timed work; returns units per second. */
async function round(variant) {
  let amount = 0;
  let ns = 0n;
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  do {
    variant.prepare?.();
    const t0 = process.hrtime.bigint();
    const done = variant.run();
    amount += typeof done === 'number' ? done : await done;
    ns += process.hrtime.bigint() - t0;
  } while (ns < budget);
  return (amount / Number(ns)) * 1e9;
}

/**
 * Measures `variants` against each other and prints a Markdown table: median rate, the
 * slowest and fastest round, and the ratio to the first variant (the one under test).
 */
export async function compare({ title, unit, variants }) {
  const { scale, digits } = UNITS[unit];
  // One untimed pass each: the first call pays for compilation and lazy loading.
  for (const v of variants) {
    v.prepare?.();
    await v.run();
  }
  const rates = variants.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      rates[i].push((await round(variants[i])) * scale);
    }
  }
  const first = median(rates[0]);
  const rows = [`### ${title}`, '', `| variant | ${unit} (median) | slowest round | fastest round | × first row |`, '|---|---:|---:|---:|---:|'];
  variants.forEach((v, i) => {
    const m = median(rates[i]);
    rows.push(`| ${v.name} | ${fmt(m, digits)} | ${fmt(Math.min(...rates[i]), digits)} | ${fmt(Math.max(...rates[i]), digits)} | ${(m / first).toFixed(2)} |`);
  });
  process.stdout.write(`${rows.join('\n')}\n\n`);
}

/** The bytes of `line` (a Buffer) cut into pieces of `size`, as a pipe delivers a long line. */
export function chunks(line, size = 64 * 1024) {
  const out = [];
  for (let i = 0; i < line.length; i += size) out.push(line.subarray(i, Math.min(line.length, i + size)));
  return out;
}

/** Fails the benchmark when two variants disagree: a faster wrong answer is no result. */
export function same(what, a, b) {
  if (a !== b) throw new Error(`variants disagree on ${what}: ${String(a)} vs ${String(b)}`);
}

export function header(name, what) {
  process.stdout.write(`## ${name}\n\n${what}\n\nNode ${process.version}; ${ROUNDS} rounds of ~${ROUND_MS} ms per variant, alternating.\n\n`);
}
