/**
 * In-place base64 decoding (src/protocol/base64.ts) against the ways a record's payload
 * could be decoded instead: MB/s of decoded payload, for a batch's worth of payloads of
 * each size. The payloads' base64 text lies in one Buffer, as in the line a batch arrives
 * in; before each in-place pass that Buffer is restored (untimed), since decoding
 * overwrites the text.
 * Run: npm run bench:micro base64 (or node bench/micro/base64.mjs after npm run build).
 */
import { randomBytes } from 'node:crypto';
import { decodeBase64InPlace } from '../../dist/protocol/base64.js';
import { compare, header, same } from './measure.mjs';

header('base64', "A batch's payloads, base64 text inside one Buffer → their bytes.");

for (const { count, size } of [
  { count: 10_000, size: 100 },
  { count: 10_000, size: 1_000 },
  { count: 1_000, size: 10_000 },
]) {
  // Quoted texts back to back, as the payloads sit in a line: `"…","…",…`.
  const texts = Array.from({ length: count }, () => randomBytes(size).toString('base64'));
  const pristine = Buffer.from(texts.map((t) => `"${t}"`).join(','), 'latin1');
  const work = Buffer.from(pristine);
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  for (let i = 0, at = 0; i < count; i++) {
    starts[i] = at + 1;
    ends[i] = at + 1 + texts[i].length;
    at = ends[i] + 2;
  }
  const bytes = count * size;

  const end = decodeBase64InPlace(work, starts[0], ends[0]);
  same('the first payload', work.subarray(starts[0], end).toString('hex'), Buffer.from(texts[0], 'base64').toString('hex'));
  same('the same payload from its span', Buffer.from(pristine.toString('latin1', starts[0], ends[0]), 'base64').toString('hex'), Buffer.from(texts[0], 'base64').toString('hex'));

  let sink = 0;
  await compare({
    title: `${count.toLocaleString('en-US')} payloads of ${size.toLocaleString('en-US')} B`,
    unit: 'MB/s',
    variants: [
      {
        name: 'decodeBase64InPlace (a view of the line)',
        prepare: () => pristine.copy(work),
        run: () => {
          for (let i = 0; i < count; i++) sink += decodeBase64InPlace(work, starts[i], ends[i]);
          return bytes;
        },
      },
      {
        name: "Buffer.from(string, 'base64'), the string made already (as JSON.parse gives it)",
        run: () => {
          for (let i = 0; i < count; i++) sink += Buffer.from(texts[i], 'base64').length;
          return bytes;
        },
      },
      {
        name: "Buffer.from(span as latin1 string, 'base64')",
        run: () => {
          for (let i = 0; i < count; i++) sink += Buffer.from(pristine.toString('latin1', starts[i], ends[i]), 'base64').length;
          return bytes;
        },
      },
    ],
  });
  if (sink < 0) process.exit(2);
}
