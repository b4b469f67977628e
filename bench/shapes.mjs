/**
 * The benchmark's batches, shared by the whole-child benchmark (bench.mjs) and the
 * micro-benchmarks (micro/), so both measure the same lines: base64 payloads of random
 * bytes, UUID partition keys, 56-digit sequence numbers, the daemon's key order.
 */
import { randomBytes } from 'node:crypto';

export const SHAPES = [
  { id: '1k x 100B', count: 1_000, size: 100, batches: 300, warmup: 30 },
  { id: '10k x 100B', count: 10_000, size: 100, batches: 40, warmup: 5 },
  { id: '1k x 10KB', count: 1_000, size: 10_000, batches: 30, warmup: 3 },
  { id: '10k x 1KB (max)', count: 10_000, size: 1_000, batches: 20, warmup: 3 },
];

/** 56 digits like a real shard's: a fixed 40-digit head and a 16-digit counter. */
const SEQ_HEAD = '4968050599380584460633733650250075750136';
export const seqOf = (n) => SEQ_HEAD + String(n * 1000).padStart(16, '0');

/**
 * One processRecords line per shape, built once (ending in "\n"); before each batch
 * (outside the clock) only the sequence numbers' digits are rewritten in place, so every
 * batch carries new, increasing sequence numbers (checkpoints stay meaningful) at no
 * generation cost.
 */
export function buildShape(shape) {
  const parts = ['{"action":"processRecords","records":['];
  let length = parts[0].length;
  const offsets = new Int32Array(shape.count);
  const ts = 1_732_400_000_000;
  for (let i = 0; i < shape.count; i++) {
    const data = randomBytes(shape.size).toString('base64');
    const h = randomBytes(16).toString('hex');
    const pk = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    const head = `${i === 0 ? '' : ','}{"data":"${data}","partitionKey":"${pk}","sequenceNumber":"`;
    offsets[i] = length + head.length;
    const rec = `${head}${seqOf(i)}","approximateArrivalTimestamp":${ts + i},"subSequenceNumber":0,"action":"record"}`;
    parts.push(rec);
    length += rec.length;
  }
  parts.push('],"millisBehindLatest":0}\n');
  const line = Buffer.from(parts.join(''), 'latin1');
  return {
    ...shape,
    line,
    payloadBytes: shape.count * shape.size,
    /** Rewrites the batch's sequence numbers to start at record number `first`; returns the last position. */
    patch(first) {
      for (let i = 0; i < shape.count; i++) line.write(seqOf(first + i), offsets[i], 'latin1');
      return { sequenceNumber: seqOf(first + shape.count - 1), subSequenceNumber: 0 };
    },
  };
}
