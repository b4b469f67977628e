/**
 * A byte stream cut into lines: the one framer of kcl-ts, used where the child reads the
 * daemon (the stream reader), where a test or benchmark daemon reads a child (the line
 * queue), and where `kcl-ts record` copies both directions. A line comes as the pieces of
 * the chunks it arrived in, never joined here: a `processRecords` line can exceed 13 MB,
 * and the batch scanner reads it where it lies. Nothing is decoded.
 */

const LF = 0x0a;
const CR = 0x0d;
const NOTHING = Buffer.alloc(0);

/**
 * What ends a line. `lf`: `\n` alone (a `\r` before it stays in the line, for the caller
 * to drop or keep). `any`: `\n`, `\r` or `\r\n`, as the daemon's Java side reads a child
 * (`BufferedReader.readLine`) and as Node's `readline` does with `crlfDelay: Infinity`.
 */
export type LineEnds = 'lf' | 'any';

/** One complete line: its pieces in order (at least one, maybe empty) and their total length. */
export type LineHandler = (pieces: Buffer[], length: number) => void;

export class LineFramer {
  /** The pieces of the line being received (chunks without its end yet). */
  private pieces: Buffer[] = [];
  private length = 0;
  /** `any`: the last chunk ended in `\r`, so a `\n` first in the next one ends nothing more. */
  private afterCR = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly ends: LineEnds = 'lf',
  ) {}

  push(chunk: Buffer): void {
    if (this.ends === 'lf') this.pushLF(chunk);
    else this.pushAny(chunk);
  }

  /** The end of the stream: a last line without its end is still a line. */
  end(): void {
    if (this.length > 0) this.complete(NOTHING);
    this.afterCR = false;
  }

  private pushLF(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      this.complete(chunk.subarray(start, nl));
      start = nl + 1;
    }
    this.keep(chunk, start);
  }

  private pushAny(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk[0] === LF) start = 1;
    }
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte !== LF && byte !== CR) continue;
      this.complete(chunk.subarray(start, i));
      if (byte === CR) {
        if (i + 1 === chunk.length) this.afterCR = true;
        else if (chunk[i + 1] === LF) i++;
      }
      start = i + 1;
    }
    this.keep(chunk, start);
  }

  /** The rest of a chunk after its last line end: the start of the next line. */
  private keep(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    const rest = start === 0 ? chunk : chunk.subarray(start);
    this.pieces.push(rest);
    this.length += rest.length;
  }

  /** A line is complete: `last` is its final piece, the rest is in `pieces`. */
  private complete(last: Buffer): void {
    const pieces = this.pieces;
    if (last.length > 0 || pieces.length === 0) pieces.push(last);
    const length = this.length + last.length;
    this.pieces = [];
    this.length = 0;
    this.onLine(pieces, length);
  }
}

/** A line's pieces as one Buffer (the piece itself when there is one). */
export function joinPieces(pieces: readonly Buffer[], length: number): Buffer {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
}

/** A framer that hands each line on as UTF-8 text. */
export function textLines(onLine: (line: string) => void, ends: LineEnds = 'lf'): LineFramer {
  return new LineFramer((pieces, length) => onLine(joinPieces(pieces, length).toString('utf8')), ends);
}
