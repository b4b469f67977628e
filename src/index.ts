import { guardStdout } from './transport/stdout-guard.js';
import { LazyRecord } from './engine/record.js';

// Importing the package is the first thing a child does: guard stdout now, so that
// output from the rest of the user's module body (which runs after its imports, before
// run() is called) cannot reach the protocol channel either.
guardStdout();

export { run } from './run.js';
export type {
  RecordProcessor,
  ProcessorFor,
  InitializeInput,
  ProcessRecordsInput,
  RecordContext,
  LeaseLostInput,
  ShardEndedInput,
  ShutdownRequestedInput,
} from './processor.js';
export type { Checkpointer, CheckpointTarget } from './checkpoint/checkpointer.js';
export { CheckpointError, type CheckpointErrorCode } from './checkpoint/errors.js';
export type { CheckpointPolicyOptions, CheckpointOption } from './checkpoint/policy.js';
export { LazyRecord, RecordDecodeError, type KinesisRecord } from './engine/record.js';
export { ProcessorFailedError } from './engine/engine.js';
export { ProtocolError } from './protocol/errors.js';
export { comparePositions, type Position } from './protocol/sequence.js';
export type { RunOptions, ErrorPolicyOptions, SkippedRecords, LogLevel, MemoryOptions } from './options.js';
export { OptionsError } from './options.js';
export { getLogger } from './log/logger.js';

/**
 * @deprecated Use `LazyRecord` (or the `KinesisRecord` interface): as `Record`, an import
 * shadows TypeScript's own `Record<K, V>` in the importing module.
 */
export const Record = LazyRecord;
/** @deprecated Use `LazyRecord` (or the `KinesisRecord` interface). */
export type Record<T = unknown> = LazyRecord<T>;
