/**
 * `kcl-ts run`'s hold on the running daemon: its signals forwarded, its output passed
 * through and watched for a failed start (src/host/startup/), and its end turned into
 * kcl-ts's exit status, with one summary line after its output when it never started.
 */
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { superviseDaemon } from '../../host/startup/supervise.js';

/** Failed initialization attempts before kcl-ts ends the daemon (it would make 20). */
export const DEFAULT_STARTUP_ATTEMPTS = 2;

export interface RunDaemonOptions {
  stderr: (s: string) => void;
  /** See DEFAULT_STARTUP_ATTEMPTS; 0 lets the daemon retry on its own. */
  startupAttempts: number;
}

/**
 * Spawn (with stdio ['inherit', 'pipe', 'pipe']), forward SIGINT/SIGTERM/SIGHUP to the
 * daemon only, resolve with the exit status: the daemon's own, or 1 when it failed to
 * start (even if it then exited 0, as the KCL's Scheduler does after its last attempt).
 */
export async function runAndForwardSignals(spawnChild: () => ChildProcess, io: RunDaemonOptions): Promise<number> {
  const child = spawnChild();
  let received = 0;
  const forward = (sig: NodeJS.Signals): void => {
    received++;
    if (received >= 3) {
      io.stderr(`kcl-ts: ${sig} again, killing the daemon (SIGKILL)\n`);
      child.kill('SIGKILL');
      return;
    }
    io.stderr(
      received === 1
        ? `kcl-ts: ${sig}: asking the daemon to shut down (send it twice more to kill it)\n`
        : `kcl-ts: ${sig}: forwarded again\n`,
    );
    child.kill(sig);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  try {
    const outcome = await superviseDaemon(child, {
      maxAttempts: io.startupAttempts,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    if (outcome.failure) {
      io.stderr(`kcl-ts: the daemon could not start: ${outcome.failure.cause}\n`);
      return 1;
    }
    if (outcome.code !== null) return outcome.code;
    const num = outcome.signal ? (osConstants.signals as Record<string, number>)[outcome.signal] : undefined;
    io.stderr(`kcl-ts: the daemon was killed by ${outcome.signal ?? 'a signal'}\n`);
    return 128 + (num ?? 1);
  } catch (err) {
    io.stderr(`kcl-ts: cannot start the daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    for (const s of signals) process.off(s, forward);
  }
}
