/**
 * Settings read from a properties file for our own use (what `kcl-ts run` tells the
 * children), not checks: a value the daemon would not use as given reads as undefined,
 * and validation reports why.
 */
import type { ParsedProperties } from './parse.js';
import { INT_MAX, LONG_MAX } from './values.js';

/** A positive integer as the daemon reads it (trimmed, an optional '+'), at most `max`. */
function positiveInteger(parsed: ParsedProperties, key: string, max: bigint): bigint | undefined {
  const e = parsed.map.get(key);
  if (!e) return undefined;
  const t = e.value.trim();
  if (!/^\+?\d+$/.test(t)) return undefined;
  const n = BigInt(t);
  return n > 0n && n <= max ? n : undefined;
}

/**
 * The daemon's `timeoutInSeconds` (per-message deadline), if set to a positive integer.
 * Passed on to children as KCL_TS_TIMEOUT_SECONDS.
 */
export function getTimeoutSeconds(parsed: ParsedProperties): number | undefined {
  const n = positiveInteger(parsed, 'timeoutInSeconds', INT_MAX);
  return n === undefined ? undefined : Number(n);
}

/**
 * The daemon's `shutdownGraceMillis` (how long a graceful stop may take), if set to a
 * positive integer. Passed on to children as KCL_TS_SHUTDOWN_GRACE_MILLIS; 0 (the
 * default) means no graceful stop at all, so there is nothing to pass.
 */
export function getShutdownGraceMillis(parsed: ParsedProperties): number | undefined {
  const n = positiveInteger(parsed, 'shutdownGraceMillis', LONG_MAX);
  return n === undefined ? undefined : Number(n);
}
