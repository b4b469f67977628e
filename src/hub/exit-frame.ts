/**
 * The one thing the hub says to a forwarder beyond the daemon's bytes: how to exit.
 * Protocol lines are JSON text, which never holds a NUL byte, so a NUL followed by one
 * byte (the exit status) cannot be mistaken for them. The forwarder writes what came
 * before the NUL to stdout and exits with that status (`forwarder/README.md`).
 */
export function exitFrame(status: number): Buffer {
  if (!Number.isInteger(status) || status < 0 || status > 255) throw new RangeError(`exit status must be 0-255, got ${status}`);
  return Buffer.from([0, status]);
}

/**
 * Reads a hub's output as a forwarder does: the bytes before an exit frame go to
 * `onData`, and the frame's status to `onExit` (once; bytes after it are ignored). A
 * stream that ends without a frame is a clean end: status 0.
 */
export class ExitFrameReader {
  private status: number | undefined;
  private sawNul = false;

  constructor(
    private readonly onData: (bytes: Buffer) => void,
    private readonly onExit: (status: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.status !== undefined) return;
    if (this.sawNul) {
      if (chunk.length > 0) this.finish(chunk[0]!);
      return;
    }
    const nul = chunk.indexOf(0);
    if (nul < 0) {
      this.onData(chunk);
      return;
    }
    if (nul > 0) this.onData(chunk.subarray(0, nul));
    this.sawNul = true;
    if (nul + 1 < chunk.length) this.finish(chunk[nul + 1]!);
  }

  end(): void {
    // A NUL without its status byte still says "failed".
    if (this.status === undefined) this.finish(this.sawNul ? 1 : 0);
  }

  private finish(status: number): void {
    this.status = status;
    this.onExit(status);
  }
}
