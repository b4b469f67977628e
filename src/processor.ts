/**
 * The API a user implements. Every method may be async; every input is typed.
 * Implement either `processRecords` (a batch at a time) or `processRecord` (one record
 * at a time, as kclpy offers); `run()` refuses a processor with neither.
 */
import type { Logger } from 'pino';
import type { Checkpointer } from './checkpoint/checkpointer.js';
import type { KinesisRecord } from './engine/record.js';

export type { Checkpointer } from './checkpoint/checkpointer.js';
export type { KinesisRecord } from './engine/record.js';

type MaybePromise<T> = T | Promise<T>;

export interface InitializeInput {
  readonly shardId: string;
  /**
   * Where the lease's checkpoint stands: a decimal sequence number, or a sentinel
   * (`TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP`, `SHARD_END`), or null.
   */
  readonly sequenceNumber: string | null;
  readonly subSequenceNumber: number | null;
  readonly logger: Logger;
}

export interface ProcessRecordsInput<T = unknown> {
  readonly shardId: string;
  readonly records: readonly KinesisRecord<T>[];
  /** How far behind the tip of the shard this batch is; undefined when the daemon does not say. */
  readonly millisBehindLatest: number | undefined;
  readonly checkpointer: Checkpointer;
  readonly logger: Logger;
}

/** What `processRecord` gets beside the record. */
export interface RecordContext {
  readonly shardId: string;
  readonly millisBehindLatest: number | undefined;
  readonly checkpointer: Checkpointer;
  readonly logger: Logger;
}

export interface LeaseLostInput {
  readonly shardId: string;
  readonly logger: Logger;
}

export interface ShardEndedInput {
  readonly shardId: string;
  /** `checkpointer.checkpoint()` (no arguments) marks the shard complete; the engine does it for you if you don't. */
  readonly checkpointer: Checkpointer;
  readonly logger: Logger;
}

export interface ShutdownRequestedInput {
  readonly shardId: string;
  readonly checkpointer: Checkpointer;
  readonly logger: Logger;
}

/**
 * `T` is the type of `record.value`: `unknown` by default, the schema's output type when
 * `run()` is given a zod `schema`.
 */
export interface RecordProcessor<T = unknown> {
  initialize?(input: InitializeInput): MaybePromise<void>;
  /** A batch. Resolving means every record in it was processed. */
  processRecords?(input: ProcessRecordsInput<T>): MaybePromise<void>;
  /** One record. Resolve `true` to checkpoint right after this record. */
  processRecord?(record: KinesisRecord<T>, context: RecordContext): MaybePromise<boolean | void>;
  /** Another worker holds the lease now: no checkpoint is possible. */
  leaseLost?(input: LeaseLostInput): MaybePromise<void>;
  /** The shard was split or merged and every record of it delivered. */
  shardEnded?(input: ShardEndedInput): MaybePromise<void>;
  /** The worker is shutting down or handing the lease over: last chance to checkpoint. */
  shutdownRequested?(input: ShutdownRequestedInput): MaybePromise<void>;
}

/**
 * `RecordProcessor<T>` as `run()` checks it: each handler as a function-typed property,
 * which TypeScript compares strictly, where methods are compared both ways. So a processor
 * written for one record type does not compile against another schema (or against none),
 * while any `RecordProcessor<T>` class for the right `T` still fits.
 */
export type ProcessorFor<T> = {
  [K in keyof RecordProcessor<T>]?: NonNullable<RecordProcessor<T>[K]> extends (...args: infer A) => infer R ? (...args: A) => R : never;
};
