/**
 * The daemon's output passed through unchanged (bytes, as they come, stdout to stdout and
 * stderr to stderr) while a copy goes line by line to the StartupWatch; a daemon that
 * keeps retrying a failed start is ended (SIGTERM, then SIGKILL after a bound), and one
 * that gave up but does not exit is helped along. The watch stops reading once the
 * daemon has started: from then on the output is only piped.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { StartupWatch, type StartupAction, type StartupFailure } from './watch.js';

export interface SuperviseOptions {
  /** Failed start-up attempts after which the daemon is ended; 0: leave it to the daemon. */
  maxAttempts: number;
  stdout: Writable;
  stderr: Writable;
  /**
   * After SIGTERM, how long before SIGKILL; default 3 s. A daemon that never started has
   * no lease and no child to shut down, yet its shutdown hook waits up to
   * shutdownGraceMillis for a Scheduler still busy retrying: nothing is worth that wait.
   */
  killAfterMs?: number;
  /** After the daemon said it gave up, how long it may take to exit before SIGTERM; default 10 s. */
  exitWithinMs?: number;
}

export interface DaemonOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the daemon failed to start (and never started after). */
  failure?: StartupFailure;
  /** The signal kcl-ts sent because of a failed start, if any. */
  endedWith?: NodeJS.Signals;
}

/** Longer lines are cut before they reach the watch (not the output): none of its lines is long. */
const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines for the watch, without holding more than one line. */
function feedLines(stream: Readable, name: string, onLine: (name: string, line: string) => void, active: () => boolean): void {
  let partial = '';
  const decoder = new StringDecoder('utf8');
  stream.on('data', (chunk: Buffer) => {
    if (!active()) return;
    const parts = (partial + decoder.write(chunk)).split('\n');
    partial = parts.pop() ?? '';
    if (partial.length > MAX_LINE) partial = partial.slice(0, MAX_LINE);
    for (const p of parts) if (active()) onLine(name, p.length > MAX_LINE ? p.slice(0, MAX_LINE) : p);
  });
  stream.on('end', () => {
    if (partial && active()) onLine(name, partial);
  });
}

/** A reader that went away (`kcl-ts run | head`) must not take kcl-ts down while the JVM runs. */
function ignoreEpipe(stream: Writable): void {
  if (stream.listeners('error').length === 0) stream.on('error', () => {});
}

/**
 * Pipe and watch a daemon started with stdio ['inherit', 'pipe', 'pipe']. Resolves when
 * it has exited and its output is through.
 */
export function superviseDaemon(child: ChildProcess, opts: SuperviseOptions): Promise<DaemonOutcome> {
  const watch = new StartupWatch(opts.maxAttempts);
  const killAfterMs = opts.killAfterMs ?? 3000;
  const exitWithinMs = opts.exitWithinMs ?? 10_000;
  const timers: NodeJS.Timeout[] = [];
  let endedWith: NodeJS.Signals | undefined;
  let exited = false;

  const end = (): void => {
    if (exited || endedWith) return;
    endedWith = 'SIGTERM';
    child.kill('SIGTERM');
    timers.push(
      setTimeout(() => {
        if (exited) return;
        endedWith = 'SIGKILL';
        child.kill('SIGKILL');
      }, killAfterMs),
    );
  };
  const act = (action: StartupAction): void => {
    if (action === 'end') end();
    else if (action === 'exiting') timers.push(setTimeout(end, exitWithinMs));
  };

  const onLine = (name: string, line: string): void => act(watch.line(name, line));
  for (const [name, from, to] of [
    ['stdout', child.stdout, opts.stdout],
    ['stderr', child.stderr, opts.stderr],
  ] as const) {
    if (!from) continue;
    ignoreEpipe(to);
    from.pipe(to, { end: false });
    feedLines(from, name, onLine, () => !watch.started);
  }

  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      for (const t of timers) clearTimeout(t);
      reject(err);
    });
    // 'close': the process has exited and both pipes are drained, so a summary printed
    // after this comes after the daemon's last line.
    child.once('exit', () => {
      exited = true;
    });
    child.once('close', (code, signal) => {
      exited = true;
      for (const t of timers) clearTimeout(t);
      const failure = watch.failure;
      resolve({ code, signal, ...(failure ? { failure } : {}), ...(endedWith ? { endedWith } : {}) });
    });
  });
}
