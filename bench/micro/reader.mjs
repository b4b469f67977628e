/**
 * Reader framing (src/transport/reader.ts): the daemon's bytes, written to a stream in
 * the 64 KiB pieces a pipe delivers, to parsed messages, against `readline` +
 * `JSON.parse` (what the raw child and aws-kcl do) on the same stream and pieces: MB/s
 * of input for batches (which go through the batch scanner), messages/s (ops/s) for
 * checkpoint replies (small lines, which go through the exact checks). Each reader keeps its stream for the whole run, as a child
 * keeps stdin.
 * Run: npm run bench:micro reader (or node bench/micro/reader.mjs after npm run build).
 */
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { StreamMessageReader } from '../../dist/transport/reader.js';
import { SHAPES, buildShape, seqOf } from '../shapes.mjs';
import { chunks, compare, header, same } from './measure.mjs';

header('reader', "The daemon's bytes in 64 KiB pieces through a stream → messages.");

/**
 * An operation sends messages one at a time, as the daemon does (it writes an action or
 * a checkpoint reply, then waits for the child): each message's pieces are written, then
 * its parsed message taken, before the next is written.
 */

/** Ours: one StreamMessageReader on one stream. */
function ours() {
  const input = new PassThrough();
  const reader = new StreamMessageReader(input);
  return async (messages) => {
    let last;
    for (const pieces of messages) {
      for (const piece of pieces) input.write(piece);
      last = await reader.next();
    }
    return last;
  };
}

/** readline + JSON.parse on one stream, as the raw child reads stdin. */
function readlineJson() {
  const input = new PassThrough();
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let done;
  rl.on('line', (line) => {
    if (line !== '') done(JSON.parse(line));
  });
  return async (messages) => {
    let last;
    for (const pieces of messages) {
      const parsed = new Promise((resolve) => (done = resolve));
      for (const piece of pieces) input.write(piece);
      last = await parsed;
    }
    return last;
  };
}

/** `unit`: MB/s of input, or ops/s: messages per second. */
async function versus(title, lines, unit, check) {
  const messages = lines.map((line) => chunks(line));
  const bytes = lines.reduce((n, line) => n + line.length, 0);
  const a = ours();
  const b = readlineJson();
  const amount = unit === 'MB/s' ? bytes : messages.length;
  check(await a(messages), await b(messages));
  await compare({
    title: `${title}: ${(bytes / 1e6).toFixed(2)} MB, ${messages.reduce((n, m) => n + m.length, 0)} pieces`,
    unit,
    variants: [
      { name: 'StreamMessageReader', run: () => a(messages).then(() => amount) },
      { name: 'readline + JSON.parse', run: () => b(messages).then(() => amount) },
    ],
  });
}

for (const spec of [SHAPES[0], SHAPES[3]]) {
  const shape = buildShape(spec);
  await versus(`one ${shape.id} batch`, [shape.line], 'MB/s', (x, y) => {
    same('the record count', x.records.length, y.records.length);
    same('the last sequence number', x.records.at(-1).sequenceNumber, y.records.at(-1).sequenceNumber);
  });
}

const replies = Array.from({ length: 1_000 }, (_, i) => Buffer.from(`{"action":"checkpoint","sequenceNumber":"${seqOf(i)}","subSequenceNumber":0,"error":null}\n`, 'latin1'));
await versus('1,000 checkpoint replies, one at a time', replies, 'ops/s', (x, y) => {
  same('the last reply', JSON.stringify(x), JSON.stringify(y));
});
