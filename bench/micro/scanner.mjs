/**
 * The batch scanner (src/protocol/batch-scanner.ts) against the ways a `processRecords`
 * line could be read instead, on the same line cut into the 64 KiB pieces a pipe
 * delivers: MB/s of line. The scanner leaves records as spans of those pieces and makes
 * a record's strings when they are read, so it is also measured with every record's
 * partition key and sequence number read; JSON.parse makes every string up front.
 * Run: npm run bench:micro scanner (or node bench/micro/scanner.mjs after npm run build).
 */
import { scanProcessRecords } from '../../dist/protocol/batch-scanner.js';
// The general parser: JSON.parse, then the exact checks (zod only for a line they leave open).
import { parseLine } from '../../dist/protocol/parse.js';
import { SHAPES, buildShape } from '../shapes.mjs';
import { chunks, compare, header, same } from './measure.mjs';

header('batch scanner', 'A `processRecords` line in 64 KiB pieces → a message with its records (no payload decoded).');

for (const spec of SHAPES) {
  const shape = buildShape(spec);
  const line = shape.line.subarray(0, shape.line.length - 1); // the reader hands the scanner a line without its "\n"
  const parts = chunks(line);
  const bytes = line.length;
  const joined = () => Buffer.concat(parts).toString('latin1');

  const scanned = scanProcessRecords(parts);
  if (scanned === undefined) throw new Error(`the scanner declined the ${shape.id} line`);
  const general = parseLine(joined());
  const parsed = JSON.parse(joined());
  for (const other of [general, parsed]) {
    same('the record count', scanned.records.length, other.records.length);
    same('the last sequence number', scanned.records.at(-1).sequenceNumber, other.records.at(-1).sequenceNumber);
    same('the first partition key', scanned.records[0].partitionKey, other.records[0].partitionKey);
  }

  let sink = 0;
  await compare({
    title: `${shape.id}: ${(bytes / 1e6).toFixed(2)} MB line, ${parts.length} pieces`,
    unit: 'MB/s',
    variants: [
      {
        name: 'scanner',
        run: () => {
          sink += scanProcessRecords(parts).records.length;
          return bytes;
        },
      },
      {
        name: 'scanner + every partitionKey and sequenceNumber read',
        run: () => {
          const { records } = scanProcessRecords(parts);
          for (let i = 0; i < records.length; i++) sink += records[i].partitionKey.length + records[i].sequenceNumber.length;
          return bytes;
        },
      },
      {
        name: 'join + latin1 + parseLine (JSON.parse + exact checks: the general path)',
        run: () => {
          sink += parseLine(joined()).records.length;
          return bytes;
        },
      },
      {
        name: 'join + latin1 + JSON.parse alone',
        run: () => {
          sink += JSON.parse(joined()).records.length;
          return bytes;
        },
      },
    ],
  });
  if (sink < 0) process.exit(2);
}
