/**
 * Child → daemon messages. Each is built as a literal with exactly the keys the Java
 * side's `StatusMessage` / `CheckpointMessage` declare: its Jackson mapper fails on any
 * other key and then skips the whole line, leaving the daemon waiting forever.
 *
 * Every message is framed as `\n{json}\n`: the leading newline ends any unterminated
 * text user code may have left on stdout, so it cannot glue itself to the message.
 */
import type { CheckpointRequest, StatusMessage } from './types.js';

export function statusMessage(responseFor: string): StatusMessage {
  return { action: 'status', responseFor };
}

export function checkpointMessage(sequenceNumber: string | null, subSequenceNumber: number | null): CheckpointRequest {
  return { action: 'checkpoint', sequenceNumber, subSequenceNumber };
}

export function serializeMessage(message: StatusMessage | CheckpointRequest): string {
  return `\n${JSON.stringify(message)}\n`;
}
