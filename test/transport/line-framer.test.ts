/**
 * The one line framer: lines come as the pieces of the chunks they arrived in (never
 * joined), a last line without its end still counts, and the two kinds of line end
 * split exactly as their references do (`split('\n')`; `readline` with
 * `crlfDelay: Infinity`, which reads lines as Java's `BufferedReader.readLine` does).
 */
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinPieces, LineFramer, textLines, type LineEnds } from '../../src/transport/line-framer.js';

function frame(chunks: readonly string[], ends: LineEnds): string[] {
  const lines: string[] = [];
  const framer = textLines((line) => lines.push(line), ends);
  for (const chunk of chunks) framer.push(Buffer.from(chunk, 'latin1'));
  framer.end();
  return lines;
}

async function readlineLines(chunks: readonly string[]): Promise<string[]> {
  const input = new PassThrough();
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const lines: string[] = [];
  rl.on('line', (line) => lines.push(line));
  const closed = new Promise((resolve) => rl.once('close', resolve));
  for (const chunk of chunks) input.write(Buffer.from(chunk, 'latin1'));
  input.end();
  await closed;
  return lines;
}

/** A text over the bytes that matter to framing, cut at arbitrary places. */
const chunked = fc
  .array(fc.constantFrom('a', 'b', '\n', '\r', '{"x":1}'), { maxLength: 40 })
  .chain((parts) => {
    const text = parts.join('');
    return fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }).map((cuts) => {
      const at = [0, ...cuts.sort((x, y) => x - y), text.length];
      return at.slice(1).map((end, i) => text.slice(at[i], end));
    });
  });

describe('LineFramer', () => {
  it('hands a line on as the pieces of its chunks, not joined', () => {
    const got: { pieces: Buffer[]; length: number }[] = [];
    const framer = new LineFramer((pieces, length) => got.push({ pieces, length }));
    // Buffer.alloc is never pooled: the same ArrayBuffer means the same chunk.
    const own = (text: string) => {
      const b = Buffer.alloc(text.length);
      b.write(text, 'latin1');
      return b;
    };
    const first = own('{"action":"proc');
    const second = own('essRecords"}\n{"a');
    framer.push(first);
    framer.push(second);
    expect(got).toHaveLength(1);
    expect(got[0]!.pieces).toHaveLength(2);
    expect(got[0]!.pieces[0]!.buffer).toBe(first.buffer); // the chunk itself, no copy
    expect(got[0]!.pieces[1]!.buffer).toBe(second.buffer);
    expect(got[0]!.length).toBe(27);
    expect(joinPieces(got[0]!.pieces, got[0]!.length).toString()).toBe('{"action":"processRecords"}');
  });

  it('lf: only \\n ends a line; a \\r stays in it; empty lines count; the last line needs no end', () => {
    expect(frame(['a\r\n', '\n', 'b\rc\n', 'tail'], 'lf')).toEqual(['a\r', '', 'b\rc', 'tail']);
    expect(frame(['', 'x\n', ''], 'lf')).toEqual(['x']);
    expect(frame([], 'lf')).toEqual([]);
  });

  it('any: \\n, \\r and \\r\\n each end one line, also when \\r\\n is cut between chunks', () => {
    expect(frame(['a\r', '\nb\rc\r\r\nd'], 'any')).toEqual(['a', 'b', 'c', '', 'd']);
    expect(frame(['a\r', '', '\n'], 'any')).toEqual(['a']);
    expect(frame(['a\r', 'b'], 'any')).toEqual(['a', 'b']);
  });

  it('lf splits as split("\\n") does, however the bytes are cut', () => {
    fc.assert(
      fc.property(chunked, (chunks) => {
        const text = chunks.join('');
        const expected = text.split('\n');
        if (expected.at(-1) === '') expected.pop();
        expect(frame(chunks, 'lf')).toEqual(expected);
      }),
    );
  });

  it('any splits as readline (crlfDelay: Infinity) does, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(chunked, async (chunks) => {
        expect(frame(chunks, 'any')).toEqual(await readlineLines(chunks));
      }),
      { numRuns: 300 },
    );
  });
});
