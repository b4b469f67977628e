/**
 * Whether `kcl-ts run --hub` was told to stop. It matters twice: before the daemon starts,
 * a stop signal ends the start-up (the hubs are stopped, nothing is left behind); while the
 * daemon runs, a hub that exits 0 after a stop signal has drained as it should (a signal
 * sent to every process at once reaches the hubs too), while one that exits unasked has
 * died. Listening here also keeps Node from dying on the signal before the daemon starts;
 * once it runs, `kcl-ts run`'s own forwarding to the JVM listens beside this.
 */
import { STOP_SIGNALS, type StopSignal } from '../../process/signals.js';

export interface StopWatch {
  /** The first stop signal received, if any. */
  readonly received: StopSignal | undefined;
  /** Resolves with the first signal, or undefined after `ms` without one. */
  within(ms: number): Promise<StopSignal | undefined>;
  dispose(): void;
}

export function watchStopSignals(): StopWatch {
  let received: StopSignal | undefined;
  const waiters = new Set<(signal: StopSignal) => void>();
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) return;
    received = signal;
    for (const wake of waiters) wake(signal);
    waiters.clear();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    get received() {
      return received;
    },
    within(ms) {
      if (received !== undefined) return Promise.resolve(received);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(undefined);
        }, ms);
        const wake = (signal: StopSignal): void => {
          clearTimeout(timer);
          resolve(signal);
        };
        waiters.add(wake);
      });
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      waiters.clear();
    },
  };
}
