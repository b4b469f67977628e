export interface BackoffOptions {
  /** How many retries after the first try. */
  readonly retries: number;
  /** The first pause, in milliseconds; each later one may be up to twice the one before. */
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * "Full jitter": a random pause in [0, min(max, base·2^attempt)], so that many shards
 * throttled at once do not retry in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return Math.round(ceiling * random());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
