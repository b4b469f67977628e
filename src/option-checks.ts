/**
 * What every option resolver shares: the error that names the option, and the checks
 * that word it the same way everywhere. A leaf module, so that each resolver can live
 * beside the code that uses its option.
 */
export class OptionsError extends TypeError {
  override readonly name = 'OptionsError';
}

export function count(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || !Number.isInteger(value)) {
    throw new OptionsError(`option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function positive(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionsError(`option ${name} must be a number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Refuses keys an option object does not have, naming the option and what it does have. */
export function checkKnownKeys(o: object, option: string, known: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new OptionsError(`unknown option ${option}.${key} (known: ${known.join(', ')})`);
  }
}
