import type { z } from 'zod';
import { ProtocolError } from './errors.js';
import {
  CheckpointReplySchema,
  InitializeSchema,
  LeaseLostSchema,
  LegacyShutdownSchema,
  ProcessRecordsSchema,
  ShardEndedSchema,
  ShutdownRequestedSchema,
  type DaemonMessage,
  type ProcessRecordsMessage,
  type UnknownActionMessage,
  type WireRecord,
} from './types.js';

const SCHEMAS: Record<string, z.ZodType<DaemonMessage>> = {
  initialize: InitializeSchema,
  processRecords: ProcessRecordsSchema,
  leaseLost: LeaseLostSchema,
  shardEnded: ShardEndedSchema,
  shutdownRequested: ShutdownRequestedSchema,
  shutdown: LegacyShutdownSchema,
  checkpoint: CheckpointReplySchema,
};

export type ParsedMessage = DaemonMessage | UnknownActionMessage;

const MAX_QUOTED = 80;

function quote(line: string): string {
  const shown = line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}… (${line.length} chars)` : line;
  return JSON.stringify(shown);
}

/** `records[3].sequenceNumber` from zod's `['records', 3, 'sequenceNumber']`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/**
 * One line from the daemon → one message. Returns `undefined` for blank lines (the
 * daemon never sends them, but they carry nothing to answer). Throws a
 * `ProtocolError` naming the action and the field for anything else it cannot use.
 */
export function parseLine(line: string): ParsedMessage | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ProtocolError(`line is not JSON (${(err as Error).message}): ${quote(line)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`line is JSON but not an object (${describe(value)}): ${quote(line)}`);
  }
  const action = (value as { action?: unknown }).action;
  if (action === undefined) throw new ProtocolError(`message has no "action" field: ${quote(line)}`);
  if (typeof action !== 'string') {
    throw new ProtocolError(`message field "action" must be a string, got ${describe(action)}: ${quote(line)}`);
  }
  // The hot path: a batch exactly as the daemon writes it is checked without zod (no
  // per-record result objects); anything else, valid or not, goes through the schema.
  if (action === 'processRecords' && isPlainProcessRecords(value)) return value;
  const schema = SCHEMAS[action];
  if (schema === undefined) return { action, unknown: true };
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined ? [] : issue.path;
  const got = valueAt(value, path);
  const field = fieldPath(path);
  const what = got === undefined ? 'is missing' : `has the wrong type or value (${describe(got)} ${truncate(got)})`;
  const detail = issue === undefined ? '' : `: ${issue.message}`;
  throw new ProtocolError(`${action}: field "${field}" ${what}${detail}`, action);
}

function truncate(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * True when `value` is a `processRecords` message that `ProcessRecordsSchema` accepts
 * and that has no keys beyond the schema's (at the message and at every record), so
 * zod's output would be equal to the input itself. False does not mean invalid: the
 * caller then lets zod decide (and name the field). `test/protocol/fast-check.test.ts`
 * checks both accept and reject the same inputs.
 */
export function isPlainProcessRecords(value: object): value is ProcessRecordsMessage {
  const m = value as { action?: unknown; records?: unknown; millisBehindLatest?: unknown };
  if (m.action !== 'processRecords') return false;
  const records = m.records;
  if (!Array.isArray(records)) return false;
  const behind = m.millisBehindLatest;
  if (behind !== undefined && behind !== null && !(typeof behind === 'number' && Number.isFinite(behind))) return false;
  let keys = 0;
  for (const _ in m) keys++;
  if (keys !== (behind === undefined ? 2 : 3)) return false;
  for (let i = 0; i < records.length; i++) if (!isPlainWireRecord(records[i])) return false;
  return true;
}

/** `RecordSchema` without zod, for records with no keys beyond the schema's (see above). */
export function isPlainWireRecord(value: unknown): value is WireRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const r = value as { [key: string]: unknown };
  if (typeof r.data !== 'string' || typeof r.partitionKey !== 'string' || typeof r.sequenceNumber !== 'string') return false;
  let known = 3;
  const sub = r.subSequenceNumber;
  if (sub !== undefined) {
    if (sub !== null && !(typeof sub === 'number' && Number.isSafeInteger(sub))) return false;
    known++;
  }
  const ts = r.approximateArrivalTimestamp;
  if (ts !== undefined) {
    if (ts !== null && !(typeof ts === 'number' && Number.isFinite(ts))) return false;
    known++;
  }
  const action = r.action;
  if (action !== undefined) {
    if (action !== 'record') return false;
    known++;
  }
  // Only the known keys, each counted once above: no extra key for zod to strip.
  let keys = 0;
  for (const key in r) {
    if (!Object.hasOwn(r, key)) return false;
    keys++;
  }
  return keys === known;
}
