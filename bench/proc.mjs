/**
 * What a set of processes costs, from Linux's /proc: PSS and RSS (smaps_rollup) and CPU
 * seconds (stat), summed over a list of pids. `withDescendants` makes that list once (a
 * scan of /proc is too slow to repeat at every sample): the processes started and every
 * live descendant of theirs, so that a wrapper's children count with it. PSS splits each shared page between the
 * processes that map it (node's binary, libc), so a fleet's PSS sum is what the fleet
 * really holds; an RSS sum counts every shared page once per process.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name, which may hold spaces and parentheses: field 3 is [0].
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The pids given and all their live descendants (one scan of /proc). */
export function withDescendants(pids) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let ppid;
    try {
      ppid = Number(statFields(name)[1]);
    } catch {
      continue; // exited during the scan
    }
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  const out = new Set();
  const stack = [...pids];
  while (stack.length > 0) {
    const pid = stack.pop();
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...out];
}

/** user + system CPU seconds of one process (its own threads; children it waited for included). */
function cpuOf(pid) {
  const f = statFields(pid);
  // utime, stime, cutime, cstime: fields 14-17.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

/** kB → MB (10^6 bytes, as the rest of the benchmark reports). */
const mb = (kb) => (kb * 1024) / 1e6;

/** { pssMB, rssMB, processes } summed over `pids` (see withDescendants). */
export function memoryOf(pids) {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    pss += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
    rss += Number(/^Rss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
  }
  return { pssMB: mb(pss), rssMB: mb(rss), processes: pids.length };
}

/** CPU seconds summed over `pids` (see withDescendants). */
export function cpuOfAll(pids) {
  return pids.reduce((sum, pid) => sum + cpuOf(pid), 0);
}
