import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Lines from a stream, awaited one at a time, with a deadline per wait. */
export class LineQueue {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(input: Readable) {
    const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
    rl.on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    rl.on('close', () => {
      this.closed = true;
      this.wake();
    });
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
