/**
 * Ctrl-C for `kcl-ts dev`: the first SIGINT/SIGTERM/SIGHUP asks for a graceful stop (the
 * daemon checkpoints, the summary is printed); another, a second or more later, kills
 * every process at once. A terminal delivers one Ctrl-C to npm and to kcl-ts together,
 * and npm relays it: a repeat within a second is that same press.
 */
import { killAllSync } from './process.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Interrupts {
  private firstAt = 0;
  private waiters: (() => void)[] = [];
  private readonly handler = (signal: NodeJS.Signals): void => this.received(signal);
  /** What the first signal starts, as told to the user. */
  stopping = 'stopping gracefully (the daemon checkpoints first)';

  constructor(private readonly say: (message: string) => void) {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  get interrupted(): boolean {
    return this.firstAt > 0;
  }

  /** Resolves at the first signal (at once if one came already). */
  next(): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
    for (const w of this.waiters.splice(0)) w();
  }

  private received(signal: NodeJS.Signals): void {
    const now = Date.now();
    if (this.interrupted) {
      if (now - this.firstAt < 1000) return;
      this.say(`${signal} again: killing every process now`);
      killAllSync();
      process.exit(130);
    }
    this.firstAt = now;
    this.say(`${signal}: ${this.stopping}; press Ctrl-C again to kill every process now`);
    for (const w of this.waiters.splice(0)) w();
  }
}
