/**
 * `npm run bench`: kcl-ts beside the raw Node limit, aws-kcl and amazon_kclpy, in one
 * run, under a daemon as strict as the Java one, then the hub fleet (hub-fleet.mjs: hub
 * mode beside one child per lease, 64 leases busy and idle). Prints a table, writes
 * bench/results/latest.json, latest.md, throughput.svg and fleet.svg (git keeps the
 * earlier runs; the docs show these). `node bench/bench.mjs fleet`: the hub fleet alone,
 * merged into the last run's latest.json and latest.md.
 *
 * Env: BENCH_REPS (default 5), BENCH_QUICK=1 (1 rep, fewer batches: a smoke test),
 * BENCH_ONLY=kind,kind (subset of children), BENCH_SKIP=extras (throughput only) or
 * BENCH_SKIP=hub-fleet, BENCH_FLEET_REPS / _LEASES / _SECONDS / _BATCH_MS / _MODES (the hub
 * fleet's settings, see hub-fleet.mjs),
 * BENCH_PYTHON (interpreter for the kclpy venv), BENCH_BASELINE=<other checkout>/dist (adds
 * `ours-base`: that build of kcl-ts, for before/after numbers), BENCH_MEMORY (run()'s memory
 * option for ours and ours-ckpt, as JSON). `node bench/bench.mjs memory`: the maximal
 * batch under each memory setting.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BenchDaemon, memory } from './daemon.mjs';
import { setupKclpy } from './kclpy.mjs';
import { fleetSvg, throughputSvg } from './chart.mjs';
import { fleetSettings, hubFleetSection } from './hub-fleet.mjs';
import { markdown } from './report.mjs';
import { SHAPES, buildShape } from './shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const children = join(here, 'children');
const quick = process.env.BENCH_QUICK === '1';
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 5));
const only = process.env.BENCH_ONLY?.split(',');
const skip = process.env.BENCH_SKIP?.split(',') ?? [];
const skipExtras = skip.includes('extras');
const skipHubFleet = skipExtras || skip.includes('hub-fleet');
const log = (s) => process.stderr.write(`${s}\n`);
const node = process.execPath;

// ---------- batches ----------
if (quick) for (const s of SHAPES) (s.batches = Math.ceil(s.batches / 5)), (s.warmup = Math.ceil(s.warmup / 3));

// ---------- children ----------
/** The children; `filtered`: as BENCH_ONLY says (the hub fleet picks its own, BENCH_FLEET_MODES). */
function kinds(kclpy, filtered = true) {
  const list = [
    { id: 'ceiling', label: 'driver ceiling (status only)', cmd: node, args: [join(children, 'ceiling.mjs')] },
    { id: 'raw', label: 'raw limit (readline+JSON.parse+base64)', cmd: node, args: [join(children, 'raw.mjs')] },
    { id: 'ours', label: 'kcl-ts (touch data)', cmd: node, args: [join(children, 'ours.mjs')] },
    { id: 'ours-ckpt', label: 'kcl-ts + checkpoint every batch', cmd: node, args: [join(children, 'ours.mjs')], env: { BENCH_MODE: 'checkpoint' } },
    // What the memory upkeep (a collection after large batches, a capped young generation) costs.
    { id: 'ours-v8', label: 'kcl-ts, memory: false (V8 alone)', cmd: node, args: [join(children, 'ours.mjs')], env: { BENCH_MEMORY: 'false' } },
    { id: 'aws-kcl', label: 'aws-kcl 2.3.2', cmd: node, args: [join(children, 'aws-kcl.cjs')] },
  ];
  if (process.env.BENCH_BASELINE) {
    // Another build of kcl-ts (a checkout's dist/ directory) measured beside this one.
    const dist = join(process.env.BENCH_BASELINE, 'index.js');
    list.push({ id: 'ours-base', label: `kcl-ts baseline (${process.env.BENCH_BASELINE})`, cmd: node, args: [join(children, 'ours.mjs')], env: { BENCH_DIST: pathToFileURL(dist).href } });
  }
  if (!kclpy.skip) list.push({ id: 'kclpy', label: 'amazon_kclpy 3.2.0', cmd: kclpy.python, args: [join(children, 'kclpy_child.py')], env: { PYTHONPATH: kclpy.pythonPath } });
  return only && filtered ? list.filter((k) => only.includes(k.id)) : list;
}

// ---------- stats ----------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function measure(kind, shape) {
  const d = new BenchDaemon(kind.cmd, kind.args, { env: kind.env, cwd: root });
  try {
    await d.initialize();
    let n = 0;
    for (let w = 0; w < shape.warmup; w++) {
      const last = shape.patch(n);
      n += shape.count;
      await d.send('processRecords', shape.line, last);
    }
    const cpu0 = d.cpuSeconds();
    const rtts = [];
    for (let b = 0; b < shape.batches; b++) {
      const last = shape.patch(n);
      n += shape.count;
      rtts.push(await d.send('processRecords', shape.line, last));
    }
    const cpu1 = d.cpuSeconds();
    const mem = d.memory();
    const checkpoints = d.checkpoints;
    if (d.skipped.length > 0) throw new Error(`the daemon skipped lines: ${d.skipped.slice(0, 3).join('; ')}`);
    await d.finish();
    const totalMs = rtts.reduce((a, b) => a + b, 0);
    const records = shape.batches * shape.count;
    return {
      recordsPerSec: (records / totalMs) * 1000,
      mbPerSec: (shape.batches * shape.payloadBytes) / totalMs / 1000,
      p50Ms: pct(rtts, 50),
      p99Ms: pct(rtts, 99),
      cpuSecPerMillion: ((cpu1 - cpu0) / records) * 1e6,
      peakRssMB: mem.hwm / 1e6,
      checkpoints,
    };
  } catch (err) {
    d.kill();
    throw err;
  }
}

async function throughput(kindList, shapes) {
  const runs = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const shape of shapes) {
      // Alternate: each repetition starts with a different child.
      const order = kindList.map((_, i) => kindList[(i + rep) % kindList.length]);
      for (const kind of order) {
        const r = await measure(kind, shape);
        ((runs[shape.id] ??= {})[kind.id] ??= []).push(r);
        log(`  rep ${rep + 1}/${reps} ${shape.id.padEnd(16)} ${kind.id.padEnd(10)} ${Math.round(r.recordsPerSec).toLocaleString('en-US').padStart(10)} rec/s  ${r.mbPerSec.toFixed(1).padStart(6)} MB/s  p50 ${r.p50Ms.toFixed(2)} ms  cpu ${r.cpuSecPerMillion.toFixed(2)} s/M  rss ${r.peakRssMB.toFixed(0)} MB`);
      }
    }
  }
  const summary = {};
  for (const shape of shapes) {
    for (const kind of kindList) {
      const rs = runs[shape.id][kind.id];
      (summary[shape.id] ??= {})[kind.id] = {
        recordsPerSec: median(rs.map((r) => r.recordsPerSec)),
        mbPerSec: median(rs.map((r) => r.mbPerSec)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        cpuSecPerMillion: median(rs.map((r) => r.cpuSecPerMillion)),
        peakRssMB: median(rs.map((r) => r.peakRssMB)),
      };
    }
  }
  return { runs, summary };
}

// ---------- checkpoint round trip ----------
async function checkpointRtt(kindList) {
  const out = {};
  const shape = buildShape({ id: 'rtt', count: 1000, size: 100 });
  for (const kind of kindList.filter((k) => ['ours', 'ours-base', 'aws-kcl', 'kclpy'].includes(k.id))) {
    const d = new BenchDaemon(kind.cmd, kind.args, { env: { ...kind.env, BENCH_MODE: 'rtt' }, cwd: root });
    await d.initialize();
    for (let b = 0; b < 3; b++) await d.send('processRecords', shape.line, shape.patch(b * 1000));
    await d.finish();
    const line = d.stderr.split('\n').find((l) => l.startsWith('BENCH '));
    const rtts = JSON.parse(line.slice(6)).rtts.slice(1000); // the first batch warms up
    out[kind.id] = { checkpoints: rtts.length, p50Ms: pct(rtts, 50), p99Ms: pct(rtts, 99) };
    log(`  checkpoint round trip ${kind.id.padEnd(8)} p50 ${out[kind.id].p50Ms.toFixed(3)} ms  p99 ${out[kind.id].p99Ms.toFixed(3)} ms`);
  }
  return out;
}

// ---------- start-up ----------
async function startup(kindList) {
  const list = [
    ...kindList.filter((k) => ['ceiling', 'raw', 'ours', 'ours-base', 'aws-kcl', 'kclpy'].includes(k.id)),
    { id: 'ours-tsx', label: 'kcl-ts via npx tsx app.ts', cmd: 'npx', args: ['tsx', join(children, 'ours-app.ts')] },
  ];
  const times = {};
  const runsEach = quick ? 2 : 5;
  for (let rep = 0; rep < runsEach; rep++) {
    for (const kind of list) {
      const d = new BenchDaemon(kind.cmd, kind.args, { env: kind.env, cwd: root });
      const t0 = d.t0;
      await d.initialize();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      await d.finish();
      (times[kind.id] ??= []).push(ms);
    }
  }
  const out = {};
  for (const [id, ts] of Object.entries(times)) {
    out[id] = { medianMs: median(ts), minMs: Math.min(...ts), maxMs: Math.max(...ts) };
    log(`  start-up ${id.padEnd(10)} median ${out[id].medianMs.toFixed(0)} ms`);
  }
  return out;
}

// ---------- the fleet ----------
async function fleet(kindList) {
  const list = kindList.filter((k) => ['ceiling', 'ours', 'ours-base', 'aws-kcl', 'kclpy'].includes(k.id));
  const out = {};
  for (const n of quick ? [1, 16] : [1, 16, 64]) {
    for (const kind of list) {
      const t0 = process.hrtime.bigint();
      const ds = Array.from({ length: n }, (_, i) => new BenchDaemon(kind.cmd, kind.args, { env: kind.env, cwd: root }));
      await Promise.all(ds.map((d, i) => d.initialize(`shardId-${String(i).padStart(12, '0')}`)));
      const allMs = Number(process.hrtime.bigint() - t0) / 1e6;
      await new Promise((r) => setTimeout(r, 300));
      const rss = ds.map((d) => memory(d.pid).rss / 1e6);
      await Promise.all(ds.map((d) => d.finish()));
      const total = rss.reduce((a, b) => a + b, 0);
      ((out[kind.id] ??= {})[n] = { allInitializedMs: allMs, rssPerChildMB: median(rss), totalRssMB: total });
      log(`  fleet ${String(n).padStart(2)} x ${kind.id.padEnd(8)} all initialized in ${allMs.toFixed(0)} ms, RSS ${median(rss).toFixed(1)} MB each, ${total.toFixed(0)} MB total`);
    }
  }
  return out;
}

// ---------- report ----------
function machine() {
  const c = cpus();
  let python = '';
  try {
    python = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    python = 'none';
  }
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memGB: Math.round(totalmem() / 1e9), kernel: release(), node: process.version, python };
}

async function main() {
  const started = new Date();
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  if (loadStart[0] > cpus().length) log(`NOTE: load average ${loadStart[0]} on ${cpus().length} cores: other work will add noise`);
  const kclpy = setupKclpy(log);
  if (kclpy.skip) log(`NOTE: ${kclpy.skip}`);
  const kindList = kinds(kclpy);
  log(`building ${SHAPES.length} batch shapes…`);
  const shapes = SHAPES.map(buildShape);
  for (const s of shapes) log(`  ${s.id}: ${s.count} records x ${s.size} B, line ${(s.line.length / 1e6).toFixed(2)} MB, ${s.batches} timed batches after ${s.warmup} warm-up`);
  log(`throughput: ${kindList.map((k) => k.id).join(', ')}; ${reps} repetitions, alternating`);
  const result = {
    date: started.toISOString(),
    machine: machine(),
    reps,
    quick,
    kclpy: kclpy.skip ? { skipped: kclpy.skip } : { version: '3.2.0', python: kclpy.version },
    awsKcl: JSON.parse(readFileSync(join(root, 'node_modules', 'aws-kcl', 'package.json'), 'utf8')).version,
    kinds: kindList.map(({ id, label }) => ({ id, label })),
    shapes: shapes.map(({ id, count, size, batches, warmup, line }) => ({ id, count, size, batches, warmup, lineBytes: line.length })),
  };
  result.throughput = await throughput(kindList, shapes);
  if (!skipExtras) {
    log('checkpoint round trip…');
    result.checkpointRtt = await checkpointRtt(kindList);
    log('start-up (spawn → status for initialize)…');
    result.startup = await startup(kindList);
    log('fleet (idle children after initialize)…');
    result.fleet = await fleet(kindList);
  }
  if (!skipHubFleet) result.hubFleet = await hubFleetSection(kinds(kclpy, false), { quick, log, machine });
  result.durationSec = (Date.now() - started.getTime()) / 1000;
  result.loadAverage = { start: loadStart, end: loadavg().map((x) => Math.round(x * 100) / 100) };

  // A full run replaces bench/results/latest.*; a partial one (BENCH_ONLY, BENCH_QUICK,
  // BENCH_SKIP, BENCH_BASELINE, BENCH_MEMORY, BENCH_REPS < 3) goes to bench/results/partial/.
  const partial = Boolean(only || quick || skip.length > 0 || process.env.BENCH_BASELINE || process.env.BENCH_MEMORY || reps < 3 || result.hubFleet?.partial);
  const dir = join(root, 'bench', 'results', ...(partial ? ['partial'] : []));
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(dir, 'throughput.svg'), throughputSvg(result));
  if (result.fleet) writeFileSync(join(dir, 'fleet.svg'), fleetSvg(result));
  const md = markdown(result);
  writeFileSync(join(dir, 'latest.md'), `${md.join('\n')}\n`);
  process.stdout.write(`\n${md.join('\n')}\n\nwrote ${dir.slice(root.length + 1)}/latest.json, latest.md, throughput.svg${result.fleet ? ', fleet.svg' : ''} (${result.durationSec.toFixed(0)} s)\n`);
}

/** `node bench/bench.mjs profile <kind> <shape#>`: one run under `node --cpu-prof`, top self times. */
async function profile(kindId, shapeIndex) {
  const kclpy = kindId === 'kclpy' ? setupKclpy(log) : { skip: 'not needed' };
  const kind = kinds(kclpy).find((k) => k.id === kindId);
  if (kind === undefined) throw new Error(`unknown child ${kindId}`);
  const shape = buildShape(SHAPES[Number(shapeIndex)]);
  const dir = join(tmpdir(), 'kcl-ts-bench-profiles');
  mkdirSync(dir, { recursive: true });
  const profiled = { ...kind, args: kind.cmd === node ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${kindId}-${shapeIndex}.cpuprofile`, ...kind.args] : kind.args };
  const r = await measure(profiled, shape);
  log(`${kindId} ${shape.id}: ${Math.round(r.recordsPerSec)} records/s (profiled)`);
  const prof = JSON.parse(readFileSync(join(dir, `${kindId}-${shapeIndex}.cpuprofile`), 'utf8'));
  const self = new Map();
  const dt = prof.timeDeltas;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  prof.samples.forEach((id, i) => ms.set(id, (ms.get(id) ?? 0) + (dt[i] ?? 0) / 1000));
  let total = 0;
  for (const [id, t] of ms) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stdout.write(`self time, ${total.toFixed(0)} ms sampled:\n${top.map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)}%  ${t.toFixed(0).padStart(6)} ms  ${k}`).join('\n')}\n`);
}

/**
 * `node bench/bench.mjs memory`: where the maximal batch's peak RSS goes. `ours` on
 * the maximal shape, as it is and with the two things that move it, which only the command
 * in executableName can choose: a smaller young generation, and a full collection after
 * every batch (`--expose-gc`; the child calls gc() once the batch is answered). The child
 * reports V8's heap spaces at the end.
 */
async function memoryProbe() {
  const shape = buildShape({ ...SHAPES[3], batches: 20, warmup: 3 });
  const ours = join(children, 'ours.mjs');
  const variants = [
    ['default (memory upkeep)', []],
    ['memory: false (V8 alone)', [], { BENCH_MEMORY: 'false' }],
    ['collection only (youngGenerationMB: 0)', [], { BENCH_MEMORY: '{"youngGenerationMB":0}' }],
    ['young generation only (collectAfterBatchBytes: 0)', [], { BENCH_MEMORY: '{"collectAfterBatchBytes":0}' }],
    ['youngGenerationMB: 8', [], { BENCH_MEMORY: '{"youngGenerationMB":8}' }],
    ['memory: false, node --max-semi-space-size=1', ['--max-semi-space-size=1'], { BENCH_MEMORY: 'false' }],
  ];
  const rows = ['| setting | idle RSS MB | peak RSS MB | above idle MB | × line | records/s | new space MB (committed / used) | external MB |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const [label, flags, env = {}] of variants) {
    const d = new BenchDaemon(node, [...flags, ours], { env: { ...env, BENCH_MODE: 'memory' }, cwd: root });
    await d.initialize();
    const idle = d.memory().rss;
    let n = 0;
    let ms = 0;
    for (let b = 0; b < shape.warmup + shape.batches; b++) {
      const last = shape.patch(n);
      n += shape.count;
      const t = await d.send('processRecords', shape.line, last);
      if (b >= shape.warmup) ms += t;
    }
    const peak = d.memory().hwm;
    await d.finish();
    const report = JSON.parse(/BENCH (.*)/.exec(d.stderr)?.[1] ?? '{}');
    const above = peak - idle;
    rows.push(
      `| ${label} | ${(idle / 1e6).toFixed(0)} | ${(peak / 1e6).toFixed(0)} | ${(above / 1e6).toFixed(0)} | ${(above / shape.line.length).toFixed(1)} | ${fmt((shape.batches * shape.count * 1000) / ms)} | ${report.newSpace ?? '?'} | ${report.external ?? '?'} |`,
    );
    log(rows.at(-1));
  }
  process.stdout.write(`maximal batch: ${(shape.line.length / 1e6).toFixed(1)} MB line, ${shape.warmup} + ${shape.batches} batches\n\n${rows.join('\n')}\n`);
}

/**
 * `node bench/bench.mjs fleet`: the hub fleet alone. Its section replaces the one in
 * latest.json (bench/results/, or partial/ for a quick or custom run); the other sections
 * stay as the last run left them, and latest.md is written again from the merged file.
 */
async function fleetOnly() {
  const settings = fleetSettings(quick);
  const kclpy = settings.modes.includes('kclpy') ? setupKclpy(log) : { skip: 'not in BENCH_FLEET_MODES' };
  if (kclpy.skip && settings.modes.includes('kclpy')) log(`NOTE: ${kclpy.skip}`);
  const section = await hubFleetSection(kinds(kclpy, false), { quick, log, machine });
  const dir = join(root, 'bench', 'results', ...(section.partial ? ['partial'] : []));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  let result = {};
  try {
    result = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') throw new Error(`${file}: cannot merge into it: ${err.message}`);
  }
  result.hubFleet = section;
  writeFileSync(file, JSON.stringify(result, null, 2));
  const md = markdown(result);
  writeFileSync(join(dir, 'latest.md'), `${md.join('\n')}\n`);
  const own = markdown({ hubFleet: section });
  process.stdout.write(`\n${own.join('\n')}\n\nmerged into ${dir.slice(root.length + 1)}/latest.json and latest.md\n`);
}

if (process.argv[2] === 'fleet') await fleetOnly();
else if (process.argv[2] === 'profile') await profile(process.argv[3], process.argv[4] ?? '3');
else if (process.argv[2] === 'memory') await memoryProbe();
else await main();
