/**
 * A wire record whose strings are still bytes inside the line it arrived in. The batch
 * scanner makes these instead of strings, so a 13 MB batch is held once, as the Buffers
 * it was read into, and each field becomes a string only when it is read: the payload
 * (base64) every time, the partition key and sequence number once, then kept.
 */
import type { WireRecord } from './types.js';

/** Where a string field is: `text` when it had to be decoded already (escapes, non-ASCII), else `bytes[start, end)` as latin1. */
export interface Span {
  start: number;
  end: number;
  text: string | undefined;
}

export class SpanRecord implements WireRecord {
  // `#` fields are not enumerable: the record spreads and stringifies like its wire object.
  readonly #bytes: Buffer;
  readonly #dataStart: number;
  readonly #dataEnd: number;
  readonly #dataText: string | undefined;
  #partitionKey: string | undefined;
  readonly #partitionKeyStart: number;
  readonly #partitionKeyEnd: number;
  #sequenceNumber: string | undefined;
  readonly #sequenceNumberStart: number;
  readonly #sequenceNumberEnd: number;

  constructor(
    bytes: Buffer,
    data: Span,
    partitionKey: Span,
    sequenceNumber: Span,
    readonly subSequenceNumber: number | null | undefined,
    readonly approximateArrivalTimestamp: number | null | undefined,
    readonly action: 'record' | undefined,
  ) {
    this.#bytes = bytes;
    this.#dataStart = data.start;
    this.#dataEnd = data.end;
    this.#dataText = data.text;
    this.#partitionKey = partitionKey.text;
    this.#partitionKeyStart = partitionKey.start;
    this.#partitionKeyEnd = partitionKey.end;
    this.#sequenceNumber = sequenceNumber.text;
    this.#sequenceNumberStart = sequenceNumber.start;
    this.#sequenceNumberEnd = sequenceNumber.end;
  }

  /** The base64 text, as `JSON.parse` would have given it. Not kept: the decoded payload is. */
  get data(): string {
    return this.#dataText ?? this.#bytes.toString('latin1', this.#dataStart, this.#dataEnd);
  }

  get partitionKey(): string {
    return (this.#partitionKey ??= this.#bytes.toString('latin1', this.#partitionKeyStart, this.#partitionKeyEnd));
  }

  get sequenceNumber(): string {
    return (this.#sequenceNumber ??= this.#bytes.toString('latin1', this.#sequenceNumberStart, this.#sequenceNumberEnd));
  }

  /** The plain wire object, with exactly the keys the line had. */
  toJSON(): WireRecord {
    const out: WireRecord = { data: this.data, partitionKey: this.partitionKey, sequenceNumber: this.sequenceNumber };
    if (this.approximateArrivalTimestamp !== undefined) out.approximateArrivalTimestamp = this.approximateArrivalTimestamp;
    if (this.subSequenceNumber !== undefined) out.subSequenceNumber = this.subSequenceNumber;
    if (this.action !== undefined) out.action = this.action;
    return out;
  }
}
