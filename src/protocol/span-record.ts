/**
 * A wire record whose strings are still bytes inside the line it arrived in. The batch
 * scanner makes these instead of strings, so a 13 MB batch is held once, as the Buffers
 * it was read into: payloads are decoded in place when read (`payload()`), and the
 * partition key and sequence number become strings on first read.
 */
import { decodeBase64InPlace } from './base64.js';
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
  /** Once the payload is decoded in place: where its bytes end (they start at `#dataStart`). */
  #decodedEnd = -1;
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
    if (this.#dataText !== undefined) return this.#dataText;
    if (this.#decodedEnd >= 0) return this.#bytes.toString('base64', this.#dataStart, this.#decodedEnd); // the same text: it was canonical
    return this.#bytes.toString('latin1', this.#dataStart, this.#dataEnd);
  }

  /**
   * The payload's bytes. Canonical base64 (all the daemon writes) is decoded where it
   * lies, once, and the bytes returned are a view of the line's Buffer; anything else is
   * decoded into a new Buffer the lenient way, as `Buffer.from(data, 'base64')` would.
   */
  payload(): Buffer {
    if (this.#decodedEnd < 0) {
      if (this.#dataText !== undefined) return Buffer.from(this.#dataText, 'base64');
      const end = decodeBase64InPlace(this.#bytes, this.#dataStart, this.#dataEnd);
      if (end < 0) return Buffer.from(this.data, 'base64');
      this.#decodedEnd = end;
    }
    return this.#bytes.subarray(this.#dataStart, this.#decodedEnd);
  }

  get partitionKey(): string {
    return (this.#partitionKey ??= this.#bytes.toString('latin1', this.#partitionKeyStart, this.#partitionKeyEnd));
  }

  get sequenceNumber(): string {
    return (this.#sequenceNumber ??= this.#bytes.toString('latin1', this.#sequenceNumberStart, this.#sequenceNumberEnd));
  }

  /** The wire object as `JSON.parse` would give it, with exactly the keys the line had. */
  toJSON(): WireRecord {
    const out: WireRecord = { data: this.data, partitionKey: this.partitionKey, sequenceNumber: this.sequenceNumber };
    if (this.approximateArrivalTimestamp !== undefined) out.approximateArrivalTimestamp = this.approximateArrivalTimestamp;
    if (this.subSequenceNumber !== undefined) out.subSequenceNumber = this.subSequenceNumber;
    if (this.action !== undefined) out.action = this.action;
    return out;
  }
}
