/**
 * A Kinesis record as the processor sees it. It wraps the parsed wire object instead
 * of copying it, and decodes `data` from base64 only when it is read: a processor that
 * looks at keys or sequence numbers only pays for no decoding at all.
 */
import type { z } from 'zod';
import { SpanRecord } from '../protocol/span-record.js';
import type { WireRecord } from '../protocol/types.js';

export interface KinesisRecord<T = unknown> {
  /**
   * The payload, decoded from base64 on first access. For a batch read from the daemon it
   * is a view of the memory the batch arrived in (decoded there, no copy); it is still
   * this record's alone to keep or change.
   */
  readonly data: Buffer;
  readonly partitionKey: string;
  /** A decimal string of up to 128 bits: compare with BigInt, never as a number. */
  readonly sequenceNumber: string;
  /** Non-zero for user records de-aggregated from one KPL record. */
  readonly subSequenceNumber: number;
  readonly approximateArrivalTimestamp: Date | undefined;
  /**
   * The payload decoded by the `schema` given to `run()` (validated and typed), or parsed
   * as JSON without one. Decoded on first access; a bad payload throws a
   * `RecordDecodeError` naming the shard, the sequence number and the failing path.
   */
  readonly value: T;
  /** The payload as text (UTF-8 unless told otherwise). */
  text(encoding?: BufferEncoding): string;
  /** The payload parsed as JSON; with a zod schema, validated and typed by it. */
  json<T = unknown>(): T;
  json<S extends z.ZodType>(schema: S): z.output<S>;
  /** The record as the daemon sent it (`data` in base64): what `JSON.stringify(record)` writes. */
  toJSON(): WireRecord;
}

/** A record's payload that is not what the processor expected. Names the record. */
export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError';
  constructor(
    message: string,
    readonly sequenceNumber: string,
    readonly subSequenceNumber: number,
  ) {
    super(message);
  }
}

/**
 * The `KinesisRecord` the engine hands to processors: the wire object wrapped, decoded
 * lazily. (Exported from `kcl-ts` as `LazyRecord`; its old name `Record`, which shadowed
 * TypeScript's `Record<K, V>` wherever it was imported, is kept there as a deprecated alias.)
 */
export class LazyRecord<T = unknown> implements KinesisRecord<T> {
  private decoded: Buffer | undefined;
  private parsed: { value: T } | undefined;

  constructor(
    private readonly wire: WireRecord,
    private readonly shardId = '',
    private readonly schema?: z.ZodType<T>,
  ) {}

  get value(): T {
    if (this.parsed === undefined) {
      this.parsed = { value: this.schema === undefined ? this.json<T>() : (this.json(this.schema) as T) };
    }
    return this.parsed.value;
  }

  get data(): Buffer {
    return (this.decoded ??= this.wire instanceof SpanRecord ? this.wire.payload() : Buffer.from(this.wire.data, 'base64'));
  }

  get partitionKey(): string {
    return this.wire.partitionKey;
  }

  get sequenceNumber(): string {
    return this.wire.sequenceNumber;
  }

  get subSequenceNumber(): number {
    return this.wire.subSequenceNumber ?? 0;
  }

  get approximateArrivalTimestamp(): Date | undefined {
    const ms = this.wire.approximateArrivalTimestamp;
    return ms === null || ms === undefined ? undefined : new Date(ms);
  }

  text(encoding: BufferEncoding = 'utf8'): string {
    return this.data.toString(encoding);
  }

  json<T = unknown>(): T;
  json<S extends z.ZodType>(schema: S): z.output<S>;
  json(schema?: z.ZodType): unknown {
    let value: unknown;
    try {
      value = JSON.parse(this.text());
    } catch (err) {
      throw new RecordDecodeError(`${this.where()}: data is not JSON (${(err as Error).message})`, this.sequenceNumber, this.subSequenceNumber);
    }
    if (schema === undefined) return value;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    throw new RecordDecodeError(
      `${this.where()}: data does not match the schema at ${path}: ${issue?.message ?? 'invalid'}`,
      this.sequenceNumber,
      this.subSequenceNumber,
    );
  }

  /** The wire form, as the daemon sent it (for dead-letter hooks and transcripts). */
  toJSON(): WireRecord {
    return this.wire instanceof SpanRecord ? this.wire.toJSON() : this.wire;
  }

  private where(): string {
    const shard = this.shardId === '' ? '' : `shard ${this.shardId}, `;
    const sub = this.subSequenceNumber === 0 ? '' : ` sub-sequence ${this.subSequenceNumber}`;
    return `record (${shard}sequence number ${this.sequenceNumber}${sub})`;
  }
}
