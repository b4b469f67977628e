/**
 * Message sources: where the connection gets the daemon's messages from. The stream
 * reader frames stdin into lines on Buffers (a `processRecords` line can exceed 13 MB:
 * `readline` would decode every chunk to a string, run a regex over it and concatenate
 * the pieces; here chunks are only scanned for `\n`, joined once and decoded once) and
 * parses each; the array source feeds messages from memory (in-process replay). Parse
 * errors are queued in line order, so messages before a bad line are still handled first.
 */
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import { parseLine, type ParsedMessage } from '../protocol/parse.js';

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface MessageSource {
  /** The next message; `undefined` at end of input. Rejects with a `ProtocolError` on a bad line. */
  next(): Promise<ParsedMessage | undefined>;
}

type Entry = { message: ParsedMessage } | { error: Error } | { end: true };

export class StreamMessageReader implements MessageSource {
  private readonly queue: Entry[] = [];
  private waiter: ((entry: Entry) => void) | undefined;
  private ended = false;

  /** The pieces of the line being received (chunks without a newline yet). */
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(input: Readable) {
    input.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    input.on('end', () => {
      if (this.partsLength > 0) this.onLine(this.takeParts(Buffer.alloc(0)));
      this.push({ end: true });
    });
    input.on('close', () => this.push({ end: true }));
    input.on('error', (error) => this.push({ error }));
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      this.onLine(this.partsLength > 0 ? this.takeParts(piece) : piece);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = start === 0 ? chunk : chunk.subarray(start);
      this.parts.push(rest);
      this.partsLength += rest.length;
    }
  }

  /** The line so far plus its last piece, as one Buffer (the only copy a long line gets). */
  private takeParts(last: Buffer): Buffer {
    const parts = this.parts;
    if (last.length > 0) parts.push(last);
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.partsLength + last.length);
    this.parts = [];
    this.partsLength = 0;
    return line;
  }

  private onLine(bytes: Buffer): void {
    // "\r\n" is one line ending, as with readline's crlfDelay: Infinity.
    const line = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
    // Base64 payloads make a batch ASCII: then latin1 is the same text, decoded ~4x faster.
    const text = isAscii(line) ? line.toString('latin1') : line.toString('utf8');
    let entry: Entry;
    try {
      const message = parseLine(text);
      if (message === undefined) return;
      entry = { message };
    } catch (error) {
      entry = { error: error as Error };
    }
    this.push(entry);
  }

  private push(entry: Entry): void {
    if (this.ended) return;
    if ('end' in entry) this.ended = true;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(entry);
    } else {
      this.queue.push(entry);
    }
  }

  async next(): Promise<ParsedMessage | undefined> {
    const entry = this.queue.shift() ?? (await new Promise<Entry>((resolve) => (this.waiter = resolve)));
    if ('end' in entry) {
      this.queue.unshift(entry); // every later call sees the end too
      return undefined;
    }
    if ('error' in entry) throw entry.error;
    return entry.message;
  }
}
