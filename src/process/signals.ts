/**
 * A child must outlive the stop signal. systemd's default `KillMode=control-group`, a
 * terminal's Ctrl-C and some supervisors signal every process at once: the JVM and each
 * child together. The daemon then drives a graceful shutdown (`shutdownRequested`, the
 * final checkpoints, `leaseLost`) and closes our stdin; a child that died on the signal
 * leaves its lease at the last policy checkpoint. So the first SIGTERM, SIGINT or SIGHUP
 * is noted once and changes nothing, and the child ends when its input does.
 *
 * Later signals change nothing either: wrappers such as `npx` and `tsx` relay the signal
 * they got, so one stop can reach the child two or three times, and counting them would
 * turn one `systemctl stop` into a kill. What bounds the child's life is its input's end
 * (the daemon's exit closes the pipe), a deadline counted from the first signal, and
 * SIGKILL.
 */
import { OptionsError } from '../option-checks.js';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The child's own deadline after a signal; what `kcl-ts run` learns from the properties. */
export const SIGNAL_GRACE_ENV = 'KCL_TS_SIGNAL_GRACE_MILLIS';
export const SHUTDOWN_GRACE_ENV = 'KCL_TS_SHUTDOWN_GRACE_MILLIS';
/** Past the daemon's own `shutdownGraceMillis`: its shutdown hook, then the JVM's exit, close our stdin. */
export const GRACE_MARGIN_MS = 10_000;
export const DEFAULT_SIGNAL_GRACE_MS = 60_000;

const SIGNAL_NUMBERS: Readonly<Record<StopSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * How long the child keeps serving after the first signal: the `signalGraceMillis`
 * option, else `KCL_TS_SIGNAL_GRACE_MILLIS`, else the daemon's `shutdownGraceMillis`
 * (`KCL_TS_SHUTDOWN_GRACE_MILLIS`, set by `kcl-ts run`) plus 10 s, else 60 s.
 */
export function resolveSignalGrace(option: unknown, env: NodeJS.ProcessEnv): number {
  if (option !== undefined) return millis(option, 'option signalGraceMillis');
  const own = env[SIGNAL_GRACE_ENV];
  if (own !== undefined && own !== '') return millis(Number(own), `${SIGNAL_GRACE_ENV}=${JSON.stringify(own)}`);
  const daemon = env[SHUTDOWN_GRACE_ENV];
  if (daemon !== undefined && daemon !== '') {
    return millis(Number(daemon), `${SHUTDOWN_GRACE_ENV}=${JSON.stringify(daemon)}`) + GRACE_MARGIN_MS;
  }
  return DEFAULT_SIGNAL_GRACE_MS;
}

function millis(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new OptionsError(`${what} must be a whole number of milliseconds >= 0, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
  return value;
}

export interface SignalWatch {
  /** The first signal received, if any. */
  readonly received: StopSignal | undefined;
  /** Stop listening (the session is over). */
  dispose(): void;
}

export interface SignalWatchOptions {
  readonly graceMs: number;
  /** Writes one line to stderr. */
  readonly note: (line: string) => void;
  /** Called when the deadline passes; exits the process with this status. */
  readonly giveUp: (line: string, exitCode: number) => void;
  /** What the process keeps doing after the signal, for the note (default: the child's words). */
  readonly serving?: string;
  /** Called once, right after the first signal is noted. */
  readonly onFirst?: (signal: StopSignal) => void;
}

/**
 * Keeps the process alive through stop signals. A grace of 0 restores the default
 * (the process ends on the signal, with the usual 128 + signal number status).
 */
export function stayThroughSignals(options: SignalWatchOptions): SignalWatch {
  let received: StopSignal | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) return;
    received = signal;
    const exitCode = 128 + SIGNAL_NUMBERS[signal];
    if (options.graceMs === 0) {
      options.giveUp(`kcl-ts: ${signal} received: exiting (signalGraceMillis is 0)`, exitCode);
      return;
    }
    const seconds = formatSeconds(options.graceMs);
    options.note(`kcl-ts: ${signal} received: ${options.serving ?? "still serving the daemon's shutdown; exiting when stdin closes"}, at the latest in ${seconds}`);
    deadline = setTimeout(() => {
      options.giveUp(
        `kcl-ts: fatal: the daemon has not ended the session ${seconds} after ${signal}: exiting ` +
          `(raise signalGraceMillis or ${SIGNAL_GRACE_ENV} if its shutdown takes longer)`,
        exitCode,
      );
    }, options.graceMs);
    // stdin keeps the process alive while the daemon is there; the deadline must not.
    deadline.unref();
    options.onFirst?.(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      if (deadline !== undefined) clearTimeout(deadline);
    },
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
