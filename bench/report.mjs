/**
 * bench/results/latest.md from latest.json alone, so that a run of one section
 * (`node bench/bench.mjs fleet`) can merge its numbers into the last full run's and
 * write the page again without the other sections' children.
 */
import { fleetMarkdown } from './hub-fleet-report.mjs';

const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

function throughputTable(result) {
  const rows = ['| shape | child | records/s | MB/s | p50 ms | p99 ms | CPU s / M records | peak RSS MB | × raw | × kclpy |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const shape of result.shapes) {
    const s = result.throughput.summary[shape.id];
    for (const { id } of result.kinds) {
      const r = s[id];
      const raw = s.raw?.recordsPerSec;
      const py = s.kclpy?.recordsPerSec;
      rows.push(
        `| ${shape.id} | ${id} | ${fmt(r.recordsPerSec)} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuSecPerMillion, 2)} | ${fmt(r.peakRssMB)} | ${raw ? fmt(r.recordsPerSec / raw, 2) : '–'} | ${py ? fmt(r.recordsPerSec / py, 2) : '–'} |`,
      );
    }
  }
  return rows;
}

/** The whole page, one line per array entry. */
export function markdown(result) {
  const md = [];
  if (result.throughput) {
    const m = result.machine;
    md.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}, ${result.kclpy.python ?? 'no Python'}; ${result.reps} repetitions, medians; load average ${result.loadAverage.start[0]} at start, ${result.loadAverage.end[0]} at end.`, '', ...throughputTable(result));
  }
  if (result.checkpointRtt) {
    md.push('', '| checkpoint round trip | p50 ms | p99 ms |', '|---|---:|---:|');
    for (const [id, r] of Object.entries(result.checkpointRtt)) md.push(`| ${id} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} |`);
  }
  if (result.startup) {
    md.push('', '| start-up: spawn → status for initialize | median ms | min | max |', '|---|---:|---:|---:|');
    for (const [id, r] of Object.entries(result.startup)) md.push(`| ${id} | ${fmt(r.medianMs)} | ${fmt(r.minMs)} | ${fmt(r.maxMs)} |`);
  }
  if (result.fleet) {
    const ns = Object.keys(Object.values(result.fleet)[0]);
    md.push('', `| idle fleet | ${ns.map((n) => `${n}: RSS/child MB | ${n}: total MB | ${n}: all initialized ms`).join(' | ')} |`, `|---|${ns.map(() => '---:|---:|---:').join('|')}|`);
    for (const [id, byN] of Object.entries(result.fleet)) md.push(`| ${id} | ${ns.map((n) => `${fmt(byN[n].rssPerChildMB, 1)} | ${fmt(byN[n].totalRssMB)} | ${fmt(byN[n].allInitializedMs)}`).join(' | ')} |`);
  }
  if (result.hubFleet) {
    if (md.length > 0) md.push('');
    const m = result.hubFleet.machine;
    md.push(`Hub fleet run ${result.hubFleet.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.python}.`, '', ...fleetMarkdown(result.hubFleet));
  }
  return md;
}
