/**
 * The hang warning's timing: the `hangWarningSeconds` option, else half the daemon's
 * `timeoutInSeconds` (`KCL_TS_TIMEOUT_SECONDS`, from `kcl-ts run`), else 60 s.
 */
import { OptionsError } from '../option-checks.js';

/** The hang warning's period in ms, and the daemon's timeout when the environment says it. */
export function resolveHangWarning(option: unknown, env: string | undefined): { everyMs: number; daemonTimeoutSeconds: number | undefined } {
  let daemonTimeoutSeconds: number | undefined;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isFinite(n) || n <= 0) throw new OptionsError(`KCL_TS_TIMEOUT_SECONDS must be a number > 0, got ${JSON.stringify(env)}`);
    daemonTimeoutSeconds = n;
  }
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isFinite(option) || option < 0) {
      throw new OptionsError(`option hangWarningSeconds must be a number ≥ 0, got ${JSON.stringify(option)}`);
    }
    return { everyMs: option * 1000, daemonTimeoutSeconds };
  }
  return { everyMs: daemonTimeoutSeconds === undefined ? 60_000 : (daemonTimeoutSeconds * 1000) / 2, daemonTimeoutSeconds };
}
