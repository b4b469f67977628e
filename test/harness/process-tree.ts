/**
 * Which processes a program started, so a test can check none outlives it: its
 * descendants are sampled while it runs (they may sit in process groups and sessions of
 * their own, where a group check cannot see them), each remembered with its start time
 * so a reused pid is not mistaken for it. And the one that matters most among them: the
 * daemon's JVM under `kcl-ts run`.
 */
import { readFileSync } from 'node:fs';
import { descendantPids, waitFor, type ManagedProcess } from './processes.js';

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

/** Whether this process is the daemon's JVM (not the short-lived `java -version` kcl-ts runs first to check Java). */
export function isDaemonJvm(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('MultiLangDaemon');
  } catch {
    return false; // gone
  }
}

/**
 * The daemon's JVM under `kcl-ts run` (`proc`), however deep (tsx may put a node process
 * between them); fails at once, with kcl-ts's last lines, if kcl-ts exits first.
 */
export function waitForDaemonJvm(proc: ManagedProcess, what: string, timeoutMs: number): Promise<number> {
  return waitFor(
    what,
    () => {
      if (!proc.running) throw new Error(`kcl-ts run exited: ${proc.tail(30)}`);
      return descendantPids(proc.pid).find(isDaemonJvm);
    },
    timeoutMs,
    100,
  );
}
