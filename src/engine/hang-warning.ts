/**
 * A handler that never returns would leave the daemon waiting until its
 * `timeoutInSeconds` halts the whole worker (or forever, without one): say so early,
 * and again at each multiple.
 */
import type { Logger } from 'pino';

/** Starts the warning for one action; clear the returned timer when the action is done. */
export function watchAction(action: string, everyMs: number, daemonTimeoutSeconds: number | undefined, logger: () => Logger): NodeJS.Timeout | undefined {
  if (everyMs <= 0) return undefined;
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    logger().warn(
      { action, seconds, timeoutInSeconds: daemonTimeoutSeconds },
      `${action} has not finished after ${seconds} s` +
        (daemonTimeoutSeconds === undefined
          ? ': the daemon is waiting for its status'
          : `: the daemon halts the whole worker at timeoutInSeconds = ${daemonTimeoutSeconds}`),
    );
  }, everyMs);
  timer.unref();
  return timer;
}
