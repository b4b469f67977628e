/**
 * Message sources: where the connection gets the daemon's messages from. The stream
 * reader frames stdin into lines with `readline` and parses each; the array source
 * feeds messages from memory (in-process replay). Parse errors are queued in line
 * order, so messages before a bad line are still handled first.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseLine, type ParsedMessage } from '../protocol/parse.js';

export interface MessageSource {
  /** The next message; `undefined` at end of input. Rejects with a `ProtocolError` on a bad line. */
  next(): Promise<ParsedMessage | undefined>;
}

type Entry = { message: ParsedMessage } | { error: Error } | { end: true };

export class StreamMessageReader implements MessageSource {
  private readonly queue: Entry[] = [];
  private waiter: ((entry: Entry) => void) | undefined;
  private ended = false;

  constructor(input: Readable) {
    // crlfDelay: Infinity makes a \r\n pair one line ending even if split across chunks.
    const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
    lines.on('line', (line) => {
      let entry: Entry;
      try {
        const message = parseLine(line);
        if (message === undefined) return;
        entry = { message };
      } catch (error) {
        entry = { error: error as Error };
      }
      this.push(entry);
    });
    lines.on('close', () => this.push({ end: true }));
    input.on('error', (error) => this.push({ error }));
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
