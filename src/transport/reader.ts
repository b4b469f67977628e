/**
 * Message sources: where the connection gets the daemon's messages from. The stream
 * reader frames stdin into lines on Buffers (`line-framer.ts`; a `processRecords` line can
 * exceed 13 MB: `readline` would decode every chunk to a string, run a regex over it and
 * concatenate the pieces; here chunks are only scanned for `\n`). A line goes first to the
 * batch scanner, which reads a `processRecords` message from the chunks as they are; any
 * other line is joined once, decoded once and parsed with the zod-free exact checks of
 * `exact-parse.ts`, and only a line they leave open (bad input, unusual keys) with
 * `parseLine`, loaded then. In-process replay feeds the same reader through an in-memory
 * stream. Parse errors are queued in line order, so messages before a bad line are still
 * handled first.
 */
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { ParsedMessage } from '../protocol/types.js';
import { scanProcessRecords } from '../protocol/batch-scanner.js';
import { NOT_EXACT, parseExactLine } from '../protocol/exact-parse.js';
import { joinPieces, LineFramer } from './line-framer.js';

/** `parse.js` (and with it zod), loaded on the first line the exact checks leave to it. */
type FullParser = typeof import('../protocol/parse.js');
let fullParser: FullParser | undefined;

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

  private readonly framer = new LineFramer((pieces, length) => this.onLineEnd(pieces, length));
  private largestLine = 0;

  /** While `parse.js` loads: the lines (and the end or error) after the one waiting for it, in order. */
  private backlog: (string | Entry)[] | undefined;

  constructor(input: Readable) {
    input.on('data', (chunk: Buffer | string) => this.framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    input.on('end', () => {
      this.framer.end();
      this.emit({ end: true });
    });
    input.on('close', () => this.emit({ end: true }));
    input.on('error', (error) => this.emit({ error }));
  }

  /** Queues an entry behind any lines still waiting for the parser. */
  private emit(entry: Entry): void {
    if (this.backlog !== undefined) this.backlog.push(entry);
    else this.push(entry);
  }

  /** A complete line, as the pieces of the chunks it arrived in. */
  private onLineEnd(pieces: Buffer[], length: number): void {
    // A batch is read where it lies, in the chunks it came in (no joined copy, no string
    // of 13 MB, no JSON.parse tree); any other line, or a batch the scanner does not
    // vouch for, is joined and parsed the general way.
    if (length > this.largestLine) this.largestLine = length;
    const message = scanProcessRecords(pieces);
    if (message !== undefined) this.emit({ message });
    else this.onLine(joinPieces(pieces, length));
  }

  private onLine(bytes: Buffer): void {
    // "\r\n" is one line ending, as with readline's crlfDelay: Infinity.
    const line = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
    // Base64 payloads make a batch ASCII: then latin1 is the same text, decoded ~4x faster.
    this.onText(isAscii(line) ? line.toString('latin1') : line.toString('utf8'));
  }

  private onText(text: string): void {
    if (this.backlog !== undefined) {
      this.backlog.push(text);
      return;
    }
    const exact = parseExactLine(text);
    if (exact !== NOT_EXACT) {
      if (exact !== undefined) this.push({ message: exact });
      return;
    }
    if (fullParser !== undefined) {
      this.parseFully(fullParser, text);
      return;
    }
    // Keep the order: this line and everything after it wait until parse.js is loaded.
    const backlog: (string | Entry)[] = [text];
    this.backlog = backlog;
    import('../protocol/parse.js').then(
      (parser) => {
        fullParser = parser;
        this.backlog = undefined;
        for (const item of backlog) {
          if (typeof item === 'string') this.onText(item);
          else this.emit(item);
        }
      },
      (error: unknown) => {
        this.backlog = undefined;
        this.push({ error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
  }

  private parseFully(parser: FullParser, text: string): void {
    let entry: Entry;
    try {
      const message = parser.parseLine(text);
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

  /** The longest line (bytes) completed since the last call: how large the batch just answered was. */
  takeLargestLine(): number {
    const n = this.largestLine;
    this.largestLine = 0;
    return n;
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
