import type { Readable } from 'node:stream';
import { textLines } from '../transport/line-framer.js';

/**
 * A child's output as lines, awaited one at a time, with a deadline per wait. Lines end
 * as the daemon's Java side reads them (`\n`, `\r` or `\r\n`: `BufferedReader.readLine`),
 * through the one framer of kcl-ts.
 */
export class LineQueue {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(input: Readable) {
    const framer = textLines((line) => {
      this.lines.push(line);
      this.wake();
    }, 'any');
    const close = () => {
      if (this.closed) return;
      framer.end();
      this.closed = true;
      this.wake();
    };
    input.on('data', (chunk: Buffer | string) => framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    input.on('end', close);
    // A stream destroyed without an end (or failing) has no more lines either.
    input.on('close', close);
    input.on('error', close);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next line; `undefined` once the stream closed; rejects with `timeout` after `ms`. */
  async next(ms: number, timeout: () => Error): Promise<string | undefined> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.closed) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (this.waiter = resolve));
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeout()), ms);
      });
      try {
        await Promise.race([waited, deadline]);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
