/** The `memory` option, resolved once at start-up (docs/configuration.md, "Memory"). */
import { checkKnownKeys, count, OptionsError } from '../option-checks.js';
import { DEFAULT_COLLECT_AFTER_BATCH_BYTES, DEFAULT_YOUNG_GENERATION_MB, type MemoryOptions } from './memory.js';

export function resolveMemoryOption(option: unknown): Required<MemoryOptions> {
  if (option === false) return { collectAfterBatchBytes: 0, youngGenerationMB: 0 };
  if (option !== undefined && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    throw new OptionsError(`option memory must be an object or false, got ${JSON.stringify(option)}`);
  }
  const o = (option ?? {}) as Record<string, unknown>;
  checkKnownKeys(o, 'memory', ['collectAfterBatchBytes', 'youngGenerationMB']);
  return {
    collectAfterBatchBytes: count(o.collectAfterBatchBytes, 'memory.collectAfterBatchBytes', DEFAULT_COLLECT_AFTER_BATCH_BYTES, 0),
    youngGenerationMB: count(o.youngGenerationMB, 'memory.youngGenerationMB', DEFAULT_YOUNG_GENERATION_MB, 0),
  };
}
