/**
 * Builds an engine from `run()`'s options: every option resolved (and refused by name
 * when wrong) before the first message is read. Shared by the child (one engine for the
 * process) and the hub (one per lease session).
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import { resolveCheckpointOption } from '../checkpoint/options.js';
import { CheckpointPolicy } from '../checkpoint/policy.js';
import { OptionsError } from '../option-checks.js';
import type { RunOptions } from '../options.js';
import type { RecordProcessor } from '../processor.js';
import type { Connection } from '../transport/connection.js';
import { Engine } from './engine.js';
import { resolveErrorPolicy } from './error-policy-options.js';
import { resolveHangWarning } from './hang-options.js';
import { MemoryKeeper } from './memory.js';
import { resolveMemoryOption } from './memory-options.js';

export function checkProcessor(processor: unknown): asserts processor is RecordProcessor {
  if (processor === null || typeof processor !== 'object') {
    throw new OptionsError(`run() needs a processor object, got ${processor === null ? 'null' : typeof processor}`);
  }
  const p = processor as { [key: string]: unknown };
  const batch = typeof p.processRecords === 'function';
  const each = typeof p.processRecord === 'function';
  if (!batch && !each) throw new OptionsError('the processor has neither processRecords(input) nor processRecord(record): implement one');
  if (batch && each) throw new OptionsError('the processor has both processRecords and processRecord: implement only one');
}

function checkSchema(schema: unknown): z.ZodType | undefined {
  if (schema === undefined) return undefined;
  if (schema === null || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new OptionsError('option schema must be a zod schema (something with safeParse)');
  }
  return schema as z.ZodType;
}

/** The memory upkeep for a process (never per session: V8's heap is the process's), or none. */
export function createMemoryKeeper(options: RunOptions, logger: Logger): MemoryKeeper | undefined {
  const memory = resolveMemoryOption(options.memory);
  return memory.collectAfterBatchBytes > 0 || memory.youngGenerationMB > 0
    ? new MemoryKeeper(memory.collectAfterBatchBytes, memory.youngGenerationMB, logger)
    : undefined;
}

/**
 * Builds the engine for a processor; the host supplies the connection, and with a
 * `keeper` and `largestLine` (how big the batch just answered was) the memory upkeep.
 */
export function createEngine(
  processor: RecordProcessor<never>,
  connection: Connection,
  options: RunOptions,
  logger: Logger,
  memory?: { readonly keeper: MemoryKeeper | undefined; readonly largestLine: () => number },
): Engine {
  checkProcessor(processor);
  resolveMemoryOption(options.memory);
  const checkpoint = resolveCheckpointOption(options.checkpoint);
  const hang = resolveHangWarning(options.hangWarningSeconds, process.env.KCL_TS_TIMEOUT_SECONDS);
  const keeper = memory?.keeper;
  return new Engine(processor, connection, {
    hangWarningMs: hang.everyMs,
    daemonTimeoutSeconds: hang.daemonTimeoutSeconds,
    policy: new CheckpointPolicy(checkpoint.policy),
    checkpointRetry: checkpoint.retry,
    errors: resolveErrorPolicy(options.errors),
    logger,
    schema: checkSchema(options.schema),
    afterBatch: keeper === undefined ? undefined : () => keeper.afterBatch(memory!.largestLine()),
  });
}
