/**
 * Child → daemon messages, written with exactly the keys the field table (`fields.ts`)
 * gives the Java side's `StatusMessage` / `CheckpointMessage`, in its order: its Jackson
 * mapper fails on any other key and then skips the whole line, leaving the daemon
 * waiting forever. The text is put together from the table's keys, so not even a
 * message object that carries more can put another key on the wire (and it is faster
 * than JSON.stringify of the object).
 *
 * Every message is framed as `\n{json}\n`: the leading newline ends any unterminated
 * text user code may have left on stdout, so it cannot glue itself to the message.
 */
import { CHILD_MESSAGES, type Fields } from './fields.js';
import type { CheckpointRequest, ChildMessage, StatusMessage } from './types.js';

interface Layout {
  /** The keys written, `action` first: every key but those the table marks ignored. */
  readonly keys: readonly string[];
  /** What stands before each key's value: the frame's newline and `{`, or a comma, then the key. */
  readonly heads: readonly string[];
}

function layout(fields: Fields): Layout {
  const keys = ['action', ...Object.keys(fields).filter((key) => !fields[key]!.ignored)];
  return { keys, heads: keys.map((key, i) => `${i === 0 ? '\n{' : ','}${JSON.stringify(key)}:`) };
}

const LAYOUTS: { readonly [A in ChildMessage['action']]: Layout } = {
  status: layout(CHILD_MESSAGES.status),
  checkpoint: layout(CHILD_MESSAGES.checkpoint),
};

export function statusMessage(responseFor: string): StatusMessage {
  return { action: 'status', responseFor };
}

export function checkpointMessage(sequenceNumber: string | null, subSequenceNumber: number | null): CheckpointRequest {
  return { action: 'checkpoint', sequenceNumber, subSequenceNumber };
}

export function serializeMessage(message: ChildMessage): string {
  const { keys, heads } = LAYOUTS[message.action];
  const m = message as unknown as { readonly [key: string]: unknown };
  let text = '';
  // A key the message lacks is written as null, as Jackson would read it missing: the
  // line stays JSON the daemon reads, rather than one it skips and then waits forever.
  for (let i = 0; i < keys.length; i++) text += heads[i]! + JSON.stringify(m[keys[i]!] ?? null);
  return `${text}}\n`;
}
