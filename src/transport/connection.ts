/**
 * The protocol conversation at the message level: it knows what may come next and
 * nothing about streams. The daemon sends an action and then reads the child's
 * output until a `status`; checkpoints are only possible inside that window, each
 * answered by a `checkpoint` reply.
 *
 * No line is ever dropped. An action that arrives while a checkpoint reply is awaited
 * (a daemon that writes actions back to back) is kept and handed out, in order, after
 * the current one; a bad line met there fails that checkpoint and every later read, so
 * the child exits on it even if the processor caught the checkpoint's error. A reply
 * nobody asked for is the one thing skipped, with a warning: it answers no question.
 */
import { checkpointMessage, statusMessage } from '../protocol/serialize.js';
import type { ActionMessage, CheckpointReply, ParsedMessage, UnknownActionMessage } from '../protocol/types.js';
import type { MessageSource } from './reader.js';
import type { MessageSink } from './writer.js';

/** The daemon closed stdin while the child waited for a reply. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
}

export type IncomingAction = ActionMessage | UnknownActionMessage;

export class Connection {
  /** Actions read while a checkpoint reply was awaited, oldest first. */
  private readonly early: IncomingAction[] = [];
  /** Input ended (or failed) while a reply was awaited: what comes after the early actions. */
  private after: { end: true } | { error: unknown } | undefined;

  constructor(
    private readonly source: MessageSource,
    private readonly sink: MessageSink,
    private readonly onStrayReply: (reply: CheckpointReply) => void = () => undefined,
    private readonly onEarlyAction: (action: string) => void = () => undefined,
  ) {}

  /** The next action to handle, or `undefined` at end of input. */
  async nextAction(): Promise<IncomingAction | undefined> {
    const early = this.early.shift();
    if (early !== undefined) return early;
    if (this.after !== undefined) {
      if ('error' in this.after) throw this.after.error;
      return undefined;
    }
    for (;;) {
      const message = await this.source.next();
      if (message === undefined) return undefined;
      if (isCheckpointReply(message)) {
        this.onStrayReply(message);
        continue;
      }
      return message;
    }
  }

  status(responseFor: string): Promise<void> {
    return this.sink.write(statusMessage(responseFor));
  }

  async checkpoint(sequenceNumber: string | null, subSequenceNumber: number | null): Promise<CheckpointReply> {
    await this.sink.write(checkpointMessage(sequenceNumber, subSequenceNumber));
    for (;;) {
      if (this.after !== undefined) {
        if ('error' in this.after) throw this.after.error;
        throw new ConnectionClosedError('the daemon closed stdin before answering a checkpoint');
      }
      let message: ParsedMessage | undefined;
      try {
        message = await this.source.next();
      } catch (err) {
        this.after = { error: err };
        throw err;
      }
      if (message === undefined) {
        this.after = { end: true };
        continue;
      }
      if (isCheckpointReply(message)) return message;
      this.early.push(message);
      this.onEarlyAction(message.action);
    }
  }
}

function isCheckpointReply(message: ParsedMessage): message is CheckpointReply {
  return message.action === 'checkpoint' && !('unknown' in message);
}
