/**
 * The hub fleet: what a worker with many leases costs in hub mode beside one child per
 * lease (kcl-ts, amazon_kclpy, aws-kcl). Per mode and repetition, two scenarios:
 *   - busy: N leases (default 64) each fed 1,000 × 1 KB records per second for 20 s: one
 *     batch of 1,000 a second, as polling's GetRecords brings them (BENCH_FLEET_BATCH_MS=200:
 *     200 every 200 ms, nearer enhanced fan-out's pushes), the leases' schedules spread
 *     evenly over the period;
 *   - idle: N leases initialized and left alone.
 * Every lease is driven by bench/daemon.mjs exactly as a child is: in hub mode the driver
 * spawns the native forwarder (what `executableName` runs per lease) against one hub (the
 * `ours` bench app with KCL_TS_HUB_SOCKET). Leases start one after another, as a worker
 * takes them, and each one's start-up is spawn → the status for `initialize` (also kept
 * from spawn() returned, the program exec'd: the spawn's own cost is the daemon's). Memory is
 * PSS (and RSS beside it) summed over every process of the mode, sampled every 2 s while
 * busy (the peak is kept) and once, after 1 s, when idle; CPU is user + system seconds
 * over the busy window. Modes alternate within each repetition.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BenchDaemon } from './daemon.mjs';
import { fleetTargets, summarizeFleet } from './hub-fleet-report.mjs';
import { cpuOfAll, memoryOf, withDescendants } from './proc.mjs';
import { buildShape } from './shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;

/** The settings from the environment; `custom` lists what differs from a full run's. */
export function fleetSettings(quick) {
  const env = process.env;
  const settings = {
    leases: Number(env.BENCH_FLEET_LEASES ?? 64),
    seconds: Number(env.BENCH_FLEET_SECONDS ?? (quick ? 5 : 20)),
    batchMs: Number(env.BENCH_FLEET_BATCH_MS ?? 1000),
    recordsPerSecond: 1000,
    recordBytes: 1000,
    reps: Number(env.BENCH_FLEET_REPS ?? (quick ? 1 : 2)),
    modes: env.BENCH_FLEET_MODES?.split(',') ?? ['hub', 'ours', 'kclpy', 'aws-kcl'],
  };
  for (const key of ['leases', 'seconds', 'batchMs', 'reps']) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) throw new Error(`BENCH_FLEET_${key === 'batchMs' ? 'BATCH_MS' : key.toUpperCase()}: expected a positive integer, got ${settings[key]}`);
  }
  if (1000 % settings.batchMs !== 0) throw new Error(`BENCH_FLEET_BATCH_MS=${settings.batchMs}: must divide 1000, so that a lease gets exactly 1,000 records a second`);
  settings.recordsPerBatch = (settings.recordsPerSecond * settings.batchMs) / 1000;
  const known = ['hub', 'ours', 'kclpy', 'aws-kcl'];
  const unknown = settings.modes.filter((m) => !known.includes(m));
  if (unknown.length > 0) throw new Error(`BENCH_FLEET_MODES: unknown mode(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  settings.custom = ['BENCH_FLEET_LEASES', 'BENCH_FLEET_SECONDS', 'BENCH_FLEET_BATCH_MS', 'BENCH_FLEET_REPS', 'BENCH_FLEET_MODES'].filter((k) => env[k] !== undefined);
  return settings;
}

/**
 * The modes to measure, from the whole-child benchmark's kinds (`ours`, `aws-kcl`, and
 * `kclpy` unless it was skipped). A mode has `lease(socket)`: the command one lease runs.
 */
export async function fleetModes(kindList, settings, log) {
  const byId = new Map(kindList.map((k) => [k.id, k]));
  const modes = [];
  for (const id of settings.modes) {
    if (id === 'hub') {
      const { locateForwarder } = await import(pathToFileURL(join(root, 'dist', 'hub', 'forwarder', 'locate.js')).href);
      const probe = locateForwarder(join(tmpdir(), 'probe.sock'));
      if (probe.warning) log(`NOTE: ${probe.warning}`);
      const ours = byId.get('ours');
      if (ours === undefined) throw new Error('hub fleet: the hub runs the ours bench app, which is missing');
      modes.push({
        id: 'hub',
        label: `hub mode: one kcl-ts hub + a ${probe.kind} forwarder per lease`,
        forwarder: probe.kind,
        hub: { cmd: ours.cmd, args: ours.args },
        lease: (socket) => {
          const [cmd, ...args] = locateForwarder(socket).argv;
          return { cmd, args };
        },
      });
      continue;
    }
    const kind = byId.get(id);
    if (kind === undefined) {
      log(`NOTE: hub fleet: ${id} is not available (skipped above), so it is left out`);
      continue;
    }
    const label = { ours: 'kcl-ts children', kclpy: 'amazon_kclpy 3.2.0 children', 'aws-kcl': 'aws-kcl 2.3.2 children' }[id];
    modes.push({ id, label, lease: () => ({ cmd: kind.cmd, args: kind.args, env: kind.env }) });
  }
  return modes;
}

/** Starts a hub; resolves once its socket exists (bounded), with the time that took. */
async function startHub(mode, socket) {
  const t0 = now();
  const proc = spawn(mode.hub.cmd, mode.hub.args, { cwd: root, env: { ...process.env, KCL_TS_HUB_SOCKET: socket }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += `[stdout] ${d}`));
  proc.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let gone;
  void exited.then((end) => (gone = end));
  const deadline = t0 + 10_000;
  while (!existsSync(socket)) {
    if (gone) throw new Error(`the hub exited (${JSON.stringify(gone)}) before listening on ${socket}: ${output.slice(-600)}`);
    if (now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the hub did not listen on ${socket} within 10 s: ${output.slice(-600)}`);
    }
    await sleep(2);
  }
  return { proc, exited, output: () => output, startupMs: now() - t0 };
}

/** SIGTERM, as a worker's stop does: with no session left the hub must exit 0 (bounded). */
async function stopHub(hub) {
  hub.proc.kill('SIGTERM');
  const timer = setTimeout(() => hub.proc.kill('SIGKILL'), 10_000);
  const end = await hub.exited;
  clearTimeout(timer);
  if (end.code !== 0) throw new Error(`the hub ended with ${JSON.stringify(end)} after SIGTERM, not 0: ${hub.output().slice(-600)}`);
  if (hub.output().includes('[stdout]')) throw new Error(`the hub wrote to stdout: ${hub.output().slice(-600)}`);
}

/** Starts the mode's leases one after another, each up to its `initialize` status. */
async function startLeases(mode, socket, count) {
  const leases = [];
  const startupMs = [];
  const afterSpawnMs = [];
  try {
    for (let i = 0; i < count; i++) {
      const { cmd, args, env } = mode.lease(socket);
      const d = new BenchDaemon(cmd, args, { env, cwd: root });
      // spawn() returns once the program is exec'd: what is left is the lease's own start.
      const spawned = process.hrtime.bigint();
      leases.push(d);
      await d.initialize(shardId(i));
      const end = process.hrtime.bigint();
      startupMs.push(Math.round(Number(end - d.t0) / 1e3) / 1e3);
      afterSpawnMs.push(Math.round(Number(end - spawned) / 1e3) / 1e3);
    }
  } catch (err) {
    for (const d of leases) d.kill();
    throw err;
  }
  return { leases, startupMs, afterSpawnMs };
}

/** Ends every lease as the daemon does (leaseLost, stdin closed); each must exit 0. */
async function finishLeases(mode, leases) {
  const ends = await Promise.all(leases.map((d) => d.finish()));
  const bad = ends.map((end, i) => ({ ...end, i })).filter((end) => end.code !== 0);
  if (bad.length > 0) throw new Error(`${mode.id}: ${bad.length} lease(s) did not exit 0, e.g. lease ${bad[0].i}: ${JSON.stringify(bad[0])}; stderr: ${leases[bad[0].i].stderr.slice(-400)}`);
  const skipped = leases.flatMap((d) => d.skipped);
  if (skipped.length > 0) throw new Error(`${mode.id}: the daemon skipped lines: ${skipped.slice(0, 3).join('; ')}`);
}

/** One lease's traffic: a batch at every due time until `endAt`, late ones sent at once. */
async function drive(d, shape, firstDue, periodMs, endAt) {
  let n = 0;
  let maxLagMs = 0;
  const rtts = [];
  for (let due = firstDue; due < endAt; due += periodMs) {
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    else maxLagMs = Math.max(maxLagMs, -wait);
    const last = shape.patch(n);
    n += shape.count;
    rtts.push(await d.send('processRecords', shape.line, last));
  }
  // The last batch stands for the period after its due time: a lease that kept up took
  // exactly the schedule's length; one that fell behind, longer.
  const seconds = Math.max(rtts.length * periodMs, now() - firstDue) / 1000;
  return { records: n, recordsPerSec: n / seconds, maxLagMs, rtts };
}

async function scenario(mode, settings, busy) {
  const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-fleet-')); // 0700: the hub refuses a shared directory
  const socket = join(dir, 'hub.sock');
  let hub;
  let leases = [];
  try {
    if (mode.hub) hub = await startHub(mode, socket);
    const started = await startLeases(mode, socket, settings.leases);
    leases = started.leases;
    const pids = withDescendants([...(hub ? [hub.proc.pid] : []), ...leases.map((d) => d.pid)]);
    const out = { startupMs: started.startupMs, afterSpawnMs: started.afterSpawnMs, hubStartupMs: hub?.startupMs, processes: pids.length };
    if (busy) {
      // Each lease its own line: a line is rewritten between its batches, and a shared one
      // could be rewritten while another lease's write of it is still queued.
      const shapes = leases.map(() => buildShape({ id: 'fleet', count: settings.recordsPerBatch, size: settings.recordBytes }));
      const samples = [];
      const cpu0 = cpuOfAll(pids);
      const t0 = now() + 50;
      const endAt = t0 + settings.seconds * 1000;
      const sample = () => samples.push({ ...memoryOf(pids), ...(hub ? { hub: memoryOf([hub.proc.pid]) } : {}) });
      const sampler = setInterval(sample, 2000);
      const runs = await Promise.all(leases.map((d, i) => drive(d, shapes[i], t0 + (i * settings.batchMs) / leases.length, settings.batchMs, endAt)));
      const t1 = now();
      clearInterval(sampler);
      sample();
      const cpuSec = cpuOfAll(pids) - cpu0;
      const records = runs.reduce((a, r) => a + r.records, 0);
      const peak = samples.reduce((a, s) => (s.pssMB > a.pssMB ? s : a));
      const rtts = runs.flatMap((r) => r.rtts).sort((a, b) => a - b);
      Object.assign(out, {
        pssMB: peak.pssMB,
        rssMB: peak.rssMB,
        pssSamplesMB: samples.map((s) => Math.round(s.pssMB * 10) / 10),
        ...(hub ? { hubProcess: peak.hub } : {}),
        cpuSec,
        records,
        seconds: (t1 - t0) / 1000,
        recordsPerSec: runs.reduce((a, r) => a + r.recordsPerSec, 0),
        cpuSecPerMillion: (cpuSec / records) * 1e6,
        maxLagMs: Math.max(...runs.map((r) => r.maxLagMs)),
        batchP50Ms: rtts[Math.floor(rtts.length * 0.5)],
        batchP99Ms: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))],
      });
    } else {
      await sleep(1000);
      Object.assign(out, memoryOf(pids), hub ? { hubProcess: memoryOf([hub.proc.pid]) } : {});
    }
    await finishLeases(mode, leases);
    leases = [];
    if (hub) await stopHub(hub);
    hub = undefined;
    return out;
  } finally {
    for (const d of leases) d.kill();
    hub?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every repetition, modes alternating; returns the raw runs. */
async function measureFleet(modes, settings, log) {
  const runs = {};
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = modes.map((_, i) => modes[(i + rep) % modes.length]);
    for (const mode of order) {
      const busy = await scenario(mode, settings, true);
      await sleep(500);
      const idle = await scenario(mode, settings, false);
      await sleep(500);
      (runs[mode.id] ??= []).push({ busy, idle });
      const s = [...busy.startupMs, ...idle.startupMs].sort((a, b) => a - b);
      log(
        `  rep ${rep + 1}/${settings.reps} ${mode.id.padEnd(8)} busy: PSS ${busy.pssMB.toFixed(0).padStart(5)} MB, RSS ${busy.rssMB.toFixed(0).padStart(5)} MB, ` +
          `CPU ${busy.cpuSec.toFixed(1).padStart(5)} s, ${Math.round(busy.recordsPerSec).toLocaleString('en-US')} rec/s (max lag ${busy.maxLagMs.toFixed(0)} ms); ` +
          `idle: PSS ${idle.pssMB.toFixed(1)} MB, RSS ${idle.rssMB.toFixed(0)} MB; lease start-up median ${s[s.length >> 1].toFixed(2)} ms`,
      );
    }
  }
  return runs;
}

const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * The section of latest.json: settings, every run, medians, the targets, and its own
 * date, machine and load (it may be run alone, after the rest). `partial`: a quick or
 * custom run, not one for bench/results/.
 */
export async function hubFleetSection(kindList, { quick, log, machine }) {
  const settings = fleetSettings(quick);
  const modes = await fleetModes(kindList, settings, log);
  log(`hub fleet: ${modes.map((m) => m.id).join(', ')}; ${settings.leases} leases each, busy ${settings.seconds} s at ${settings.recordsPerSecond} x ${settings.recordBytes} B records/s per lease, then idle; ${settings.reps} repetition(s), alternating`);
  const date = new Date().toISOString();
  const start = load();
  const runs = await measureFleet(modes, settings, log);
  const summary = summarizeFleet(runs);
  const { custom, ...kept } = settings;
  return {
    date,
    machine: machine(),
    settings: kept,
    loadAverage: { start, end: load() },
    modes: modes.map(({ id, label, forwarder }) => ({ id, label, ...(forwarder ? { forwarder } : {}) })),
    runs,
    summary,
    targets: fleetTargets(summary, settings),
    partial: quick || settings.reps < 2 || custom.some((k) => k !== 'BENCH_FLEET_REPS'),
  };
}
