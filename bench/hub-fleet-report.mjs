/**
 * The hub fleet's numbers: medians over the repetitions, the targets checked
 * against them, and the Markdown table (bench/results/latest.md, docs/performance.md).
 */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const fmt = (x, d = 0) => (x === undefined ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

/** Per mode: the busy and idle figures' medians over repetitions; start-up over every lease started. */
export function summarizeFleet(runs) {
  const out = {};
  for (const [id, reps] of Object.entries(runs)) {
    const busy = reps.map((r) => r.busy);
    const idle = reps.map((r) => r.idle);
    const pick = (list, key) => median(list.map((x) => x[key]));
    const startups = reps.flatMap((r) => [...r.busy.startupMs, ...r.idle.startupMs]);
    const afterSpawn = reps.flatMap((r) => [...r.busy.afterSpawnMs, ...r.idle.afterSpawnMs]);
    out[id] = {
      busy: Object.fromEntries(['pssMB', 'rssMB', 'cpuSec', 'recordsPerSec', 'cpuSecPerMillion', 'maxLagMs', 'batchP50Ms', 'batchP99Ms'].map((k) => [k, pick(busy, k)])),
      idle: { pssMB: pick(idle, 'pssMB'), rssMB: pick(idle, 'rssMB') },
      startup: { medianMs: median(startups), p95Ms: quantile(startups, 0.95), maxMs: Math.max(...startups), leases: startups.length, afterSpawnMedianMs: median(afterSpawn), afterSpawnP95Ms: quantile(afterSpawn, 0.95) },
      ...(reps[0].busy.hubProcess !== undefined
        ? {
            hubStartupMs: median(reps.flatMap((r) => [r.busy.hubStartupMs, r.idle.hubStartupMs])),
            hubProcess: {
              busy: { pssMB: median(busy.map((b) => b.hubProcess.pssMB)), rssMB: median(busy.map((b) => b.hubProcess.rssMB)) },
              idle: { pssMB: median(idle.map((b) => b.hubProcess.pssMB)), rssMB: median(idle.map((b) => b.hubProcess.rssMB)) },
            },
          }
        : {}),
    };
  }
  return out;
}

/** The targets for hub mode, each { target, result, met } (met undefined: not measured). */
export function fleetTargets(summary, settings) {
  const hub = summary.hub;
  const py = summary.kclpy;
  const targets = [];
  if (hub === undefined) return targets;
  if (py !== undefined) {
    const pss = hub.busy.pssMB / py.busy.pssMB;
    targets.push({ target: `busy ${settings.leases} leases: PSS ≤ 0.25 × amazon_kclpy's`, result: `${fmt(hub.busy.pssMB)} MB vs ${fmt(py.busy.pssMB)} MB: ${fmt(pss, 2)} ×`, met: pss <= 0.25 });
    // "At the same records per second": both must have taken the whole offered load.
    const rateGap = Math.abs(hub.busy.recordsPerSec - py.busy.recordsPerSec) / py.busy.recordsPerSec;
    const cpu = hub.busy.cpuSec / py.busy.cpuSec;
    const perRecord = hub.busy.cpuSecPerMillion / py.busy.cpuSecPerMillion;
    targets.push({
      target: `busy: CPU ≤ 0.7 × amazon_kclpy's at the same records/s`,
      result:
        `${fmt(hub.busy.cpuSec, 1)} s vs ${fmt(py.busy.cpuSec, 1)} s: ${fmt(cpu, 2)} × at ${fmt(hub.busy.recordsPerSec)} vs ${fmt(py.busy.recordsPerSec)} records/s` +
        (rateGap > 0.01 ? ` (rates differ by ${fmt(rateGap * 100, 1)} %: per record ${fmt(perRecord, 2)} ×)` : ''),
      met: (rateGap > 0.01 ? perRecord : cpu) <= 0.7,
    });
  } else {
    targets.push({ target: 'busy: PSS ≤ 0.25 × and CPU ≤ 0.7 × amazon_kclpy\'s', result: 'amazon_kclpy not measured', met: undefined });
  }
  targets.push({ target: `idle ${settings.leases} leases: PSS ≤ 100 MB`, result: `${fmt(hub.idle.pssMB, 1)} MB (RSS sum ${fmt(hub.idle.rssMB)} MB)`, met: hub.idle.pssMB <= 100 });
  const st = hub.startup;
  targets.push({
    target: 'lease start-up < 5 ms (median; forwarder spawned → status for initialize)',
    result:
      `median ${fmt(st.medianMs, 2)} ms, p95 ${fmt(st.p95Ms, 2)} ms over ${st.leases} leases` +
      `${st.p95Ms >= 5 ? ' (p95 above 5 ms)' : ''}; after spawn() returned: median ${fmt(st.afterSpawnMedianMs, 2)} ms, p95 ${fmt(st.afterSpawnP95Ms, 2)} ms`,
    met: st.medianMs < 5,
  });
  return targets;
}

/** Markdown lines: the settings, the table, the targets. */
export function fleetMarkdown(fleet) {
  const s = fleet.settings;
  const py = fleet.summary.kclpy;
  const lines = [
    `Hub fleet: ${s.leases} leases per mode; busy = ${fmt(s.recordsPerSecond)} × ${fmt(s.recordBytes)} B records per second per lease for ${s.seconds} s (${s.recordsPerBatch} per batch every ${s.batchMs} ms), idle = initialized, no records; ${s.reps} repetition(s), alternating, medians; load average ${fleet.loadAverage.start[0]} at start, ${fleet.loadAverage.end[0]} at end.`,
    '',
    '| mode | busy: PSS MB | RSS sum MB | CPU s | records/s | CPU s / M records | PSS × kclpy | CPU × kclpy | idle: PSS MB | RSS sum MB | lease start-up median ms | p95 ms | after spawn() median ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const mode of fleet.modes) {
    const r = fleet.summary[mode.id];
    lines.push(
      `| ${mode.label} | ${fmt(r.busy.pssMB)} | ${fmt(r.busy.rssMB)} | ${fmt(r.busy.cpuSec, 1)} | ${fmt(r.busy.recordsPerSec)} | ${fmt(r.busy.cpuSecPerMillion, 2)} | ` +
        `${py ? fmt(r.busy.pssMB / py.busy.pssMB, 2) : '–'} | ${py ? fmt(r.busy.cpuSec / py.busy.cpuSec, 2) : '–'} | ${fmt(r.idle.pssMB, 1)} | ${fmt(r.idle.rssMB)} | ${fmt(r.startup.medianMs, 2)} | ${fmt(r.startup.p95Ms, 2)} | ${fmt(r.startup.afterSpawnMedianMs, 2)} |`,
    );
  }
  const hub = fleet.summary.hub;
  if (hub?.hubProcess !== undefined) {
    const p = hub.hubProcess;
    lines.push(
      '',
      `The hub process alone: PSS ${fmt(p.busy.pssMB)} MB, RSS ${fmt(p.busy.rssMB)} MB busy; PSS ${fmt(p.idle.pssMB, 1)} MB, RSS ${fmt(p.idle.rssMB, 1)} MB idle. ` +
        "PSS splits a page among every process mapping it, on the whole machine: node's own binary is shared with the driver (a node process too), " +
        'so the hub\'s RSS is the bound that holds on a worker running no other node. ' +
        `Its start-up (spawn → socket listening, once per worker, not per lease): median ${fmt(hub.hubStartupMs)} ms.`,
    );
  }
  lines.push('', '| hub mode target | result | met |', '|---|---|---|');
  for (const t of fleet.targets) lines.push(`| ${t.target} | ${t.result} | ${t.met === undefined ? 'not measured' : t.met ? '**met**' : '**not met**'} |`);
  return lines;
}
