/**
 * How the Java daemon reads a line from the child, emulated: Jackson's default
 * `ObjectMapper` maps it to a known message class and fails on unknown properties;
 * the daemon then skips the line ("Skipping unexpected line") and keeps waiting.
 */
import type { ChildMessage } from '../protocol/types.js';

const STATUS_KEYS = new Set(['action', 'responseFor']);
const CHECKPOINT_KEYS = new Set(['action', 'sequenceNumber', 'subSequenceNumber', 'error']);

export type StrictParse = { kind: 'empty' } | { kind: 'message'; message: ChildMessage } | { kind: 'skipped'; reason: string };

export function parseChildLine(line: string): StrictParse {
  if (line.trim() === '') return { kind: 'empty' };
  if (line.charCodeAt(0) === 0xfeff) return { kind: 'skipped', reason: 'starts with a byte order mark' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'skipped', reason: 'not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'skipped', reason: 'not a JSON object' };
  const obj = value as { [key: string]: unknown };
  const keys = obj.action === 'status' ? STATUS_KEYS : obj.action === 'checkpoint' ? CHECKPOINT_KEYS : undefined;
  if (keys === undefined) return { kind: 'skipped', reason: `unknown or missing action ${JSON.stringify(obj.action)}` };
  for (const key of Object.keys(obj)) {
    if (!keys.has(key)) return { kind: 'skipped', reason: `unknown property "${key}" for action ${String(obj.action)}` };
  }
  if (obj.action === 'status') {
    if (typeof obj.responseFor !== 'string') return { kind: 'skipped', reason: 'status without a string responseFor' };
    return { kind: 'message', message: { action: 'status', responseFor: obj.responseFor } };
  }
  const seq = obj.sequenceNumber ?? null;
  const sub = obj.subSequenceNumber ?? null;
  if (seq !== null && typeof seq !== 'string') return { kind: 'skipped', reason: 'checkpoint sequenceNumber is not a string' };
  if (sub !== null && (typeof sub !== 'number' || !Number.isInteger(sub))) return { kind: 'skipped', reason: 'checkpoint subSequenceNumber is not an integer' };
  return { kind: 'message', message: { action: 'checkpoint', sequenceNumber: seq, subSequenceNumber: sub } };
}
