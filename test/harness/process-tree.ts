/**
 * Which processes a program started, so a test can check none outlives it: its
 * descendants are sampled while it runs (they may sit in process groups and sessions of
 * their own, where a group check cannot see them), each remembered with its start time
 * so a reused pid is not mistaken for it.
 */
import { readFileSync } from 'node:fs';
import { descendantPids } from './processes.js';

export interface SeenProcess {
  pid: number;
  /** Clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTime: string;
  command: string;
}

function stat(pid: number): { startTime: string; command: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { startTime: fields[19]!, command };
  } catch {
    return undefined;
  }
}

export interface TreeWatch {
  /** Every descendant seen so far. */
  seen(): SeenProcess[];
  /** Those of them still running (same pid, same start time). */
  alive(): SeenProcess[];
  stop(): void;
}

/** Sample `pid`'s descendants every `intervalMs` until stopped. */
export function watchTree(pid: number, intervalMs = 250): TreeWatch {
  const seen = new Map<number, SeenProcess>();
  const sample = (): void => {
    for (const child of descendantPids(pid)) {
      if (seen.has(child)) continue;
      const s = stat(child);
      if (s) seen.set(child, { pid: child, ...s });
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    seen: () => [...seen.values()],
    alive: () => [...seen.values()].filter((p) => stat(p.pid)?.startTime === p.startTime),
    stop: () => clearInterval(timer),
  };
}
