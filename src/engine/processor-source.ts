/**
 * What `run()` was given: one processor (child mode: one lease per process) or a factory
 * that makes one per lease (needed in hub mode, where one process serves many leases and
 * per-lease state must not be shared by accident).
 */
import { OptionsError } from '../option-checks.js';
import type { RecordProcessor } from '../processor.js';
import { checkProcessor } from './create.js';

export type ProcessorSource = RecordProcessor<never> | (() => RecordProcessor<never>);

/** A factory for `source`, each call checked. `hub`: refuse a single object, which cannot serve many leases. */
export function processorFactory(source: unknown, hub: boolean): () => RecordProcessor<never> {
  if (typeof source === 'function') {
    if (/^class[\s{]/.test(Function.prototype.toString.call(source))) {
      const name = (source as { name?: string }).name || 'MyProcessor';
      throw new OptionsError(`run() got the class ${name} itself: pass a processor, new ${name}(), or a factory, () => new ${name}()`);
    }
    const factory = source as () => unknown;
    return () => {
      const made = factory();
      if (made instanceof Promise) throw new OptionsError('the processor factory returned a Promise: it must return the processor itself (do async set-up in initialize)');
      try {
        checkProcessor(made);
      } catch (err) {
        throw new OptionsError(`the processor factory returned something that is not a processor: ${(err as Error).message}`);
      }
      return made as RecordProcessor<never>;
    };
  }
  checkProcessor(source);
  if (hub) {
    throw new OptionsError(
      'hub mode (KCL_TS_HUB_SOCKET is set) serves every lease in one process, so it needs one processor per lease: ' +
        'pass a factory, run(() => new MyProcessor(), options), instead of a processor object',
    );
  }
  const one = source as RecordProcessor<never>;
  return () => one;
}
