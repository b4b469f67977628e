/**
 * Message sinks: where the connection's messages go. Writes are serialized (one
 * message fully handed to the stream before the next starts) and wait for the
 * stream's callback, which is how stdout backpressure reaches the engine.
 */
import { serializeMessage } from '../protocol/serialize.js';
import type { ChildMessage } from '../protocol/types.js';

export interface MessageSink {
  write(message: ChildMessage): Promise<void>;
}

/** The part of a Writable the writer needs; `process.stdout.write` before the guard patched it fits. */
export type WriteFunction = (chunk: string, callback: (error?: Error | null) => void) => boolean;

/** The daemon's end of our output is gone: nothing written from now on can reach it. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor(what: string, cause: unknown, gone = STDOUT_GONE) {
    super(`${what}: ${describeWriteError(cause, gone)}`, { cause });
  }
}

const STDOUT_GONE = 'the daemon closed its end of stdout';

/** `gone`: what a broken pipe means where the daemon reads us (stdout, or a hub session's socket). */
export function describeWriteError(error: unknown, gone = STDOUT_GONE): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET') {
    return `${gone} (${String(code)})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export class StreamMessageWriter implements MessageSink {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly writeChunk: WriteFunction,
    private readonly gone = STDOUT_GONE,
  ) {}

  write(message: ChildMessage): Promise<void> {
    const text = serializeMessage(message);
    const done = this.tail.then(
      () =>
        new Promise<void>((resolve, reject) => {
          const what = message.action === 'status' ? `could not write the status for ${message.responseFor}` : `could not write a ${message.action} message`;
          try {
            this.writeChunk(text, (error) => (error ? reject(new OutputClosedError(what, error, this.gone)) : resolve()));
          } catch (error) {
            reject(new OutputClosedError(what, error, this.gone));
          }
        }),
    );
    this.tail = done.catch(() => undefined);
    return done;
  }
}
