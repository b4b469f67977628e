/**
 * The protocol conversation at the message level: it knows what may come next and
 * nothing about streams. The daemon sends an action and then reads the child's
 * output until a `status`; checkpoints are only possible inside that window, each
 * answered by a `checkpoint` reply before anything else.
 */
import { ProtocolError } from '../protocol/errors.js';
import type { ParsedMessage } from '../protocol/parse.js';
import { checkpointMessage, statusMessage } from '../protocol/serialize.js';
import type { ActionMessage, CheckpointReply, UnknownActionMessage } from '../protocol/types.js';
import type { MessageSource } from './reader.js';
import type { MessageSink } from './writer.js';

/** The daemon closed stdin while the child waited for a reply. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
}

export type IncomingAction = ActionMessage | UnknownActionMessage;

export class Connection {
  constructor(
    private readonly source: MessageSource,
    private readonly sink: MessageSink,
    private readonly onStrayReply: (reply: CheckpointReply) => void = () => undefined,
  ) {}

  /** The next action to handle, or `undefined` at end of input. */
  async nextAction(): Promise<IncomingAction | undefined> {
    for (;;) {
      const message = await this.source.next();
      if (message === undefined) return undefined;
      if (isCheckpointReply(message)) {
        // Nobody asked: harmless to drop, and dropping keeps the conversation in step.
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
    const reply = await this.source.next();
    if (reply === undefined) {
      throw new ConnectionClosedError('the daemon closed stdin before answering a checkpoint');
    }
    if (!isCheckpointReply(reply)) {
      throw new ProtocolError(
        `expected the daemon's checkpoint reply, got action "${reply.action}" while a checkpoint was in flight`,
        reply.action,
      );
    }
    return reply;
  }
}

function isCheckpointReply(message: ParsedMessage): message is CheckpointReply {
  return message.action === 'checkpoint' && !('unknown' in message);
}
