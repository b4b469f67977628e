/**
 * KPL aggregation, just enough to produce aggregated records the KCL de-aggregates: the
 * 4 magic bytes F3 89 9A C2, an `AggregatedRecord` protobuf (messages.proto of the KCL),
 * and the MD5 of the protobuf bytes. The user records of one Kinesis record share its
 * sequence number and get sub-sequence numbers 0, 1, 2, … from the KCL.
 */
import { createHash } from 'node:crypto';

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-delimited field (wire type 2). */
function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

/** A varint field (wire type 0). */
function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

export interface UserRecord {
  partitionKey: string;
  data: string | Uint8Array;
}

/** One KPL-aggregated Kinesis record payload holding `records` (same partition key table). */
export function aggregate(records: readonly UserRecord[]): Buffer {
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const parts: Buffer[] = [];
  const recordMessages: Buffer[] = [];
  for (const r of records) {
    let index = keyIndex.get(r.partitionKey);
    if (index === undefined) {
      index = keys.length;
      keys.push(r.partitionKey);
      keyIndex.set(r.partitionKey, index);
    }
    const data = typeof r.data === 'string' ? Buffer.from(r.data, 'utf8') : Buffer.from(r.data);
    recordMessages.push(Buffer.concat([varintField(1, index), lengthDelimited(3, data)]));
  }
  for (const key of keys) parts.push(lengthDelimited(1, Buffer.from(key, 'utf8')));
  for (const message of recordMessages) parts.push(lengthDelimited(3, message));
  const protobuf = Buffer.concat(parts);
  const digest = createHash('md5').update(protobuf).digest();
  return Buffer.concat([MAGIC, protobuf, digest]);
}
