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

export class StreamMessageWriter implements MessageSink {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly writeChunk: WriteFunction) {}

  write(message: ChildMessage): Promise<void> {
    const text = serializeMessage(message);
    const done = this.tail.then(
      () =>
        new Promise<void>((resolve, reject) => {
          this.writeChunk(text, (error) => (error ? reject(error) : resolve()));
        }),
    );
    this.tail = done.catch(() => undefined);
    return done;
  }
}
