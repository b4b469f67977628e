/**
 * Exact checks for the daemon's messages without zod, so that a child whose input is
 * well-formed never loads zod (it costs ~50 ms of start-up and ~14 MB of RSS per child,
 * and the daemon runs one child per shard lease) and a batch is checked without
 * per-record result objects.
 *
 * A check says yes only when the zod schema in `types.ts` would accept the message and
 * output it unchanged (no extra key to strip). "No" does not mean invalid: the caller
 * then hands the line to `parseLine`, which lets zod decide and name the field. The zod
 * schemas stay the single declaration of the wire format;
 * `test/protocol/plain-records.test.ts` holds these checks to accepting and rejecting
 * exactly what they do. This module must not import `types.ts` at run time.
 */
import type { ParsedMessage } from './parse.js';
import type { ProcessRecordsMessage, WireRecord } from './types.js';

type Check = (value: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const nullableString: Check = (v) => v === null || typeof v === 'string';
const nullableNumber: Check = (v) => v === null || (typeof v === 'number' && Number.isFinite(v));
const reason: Check = (v) => v === 'TERMINATE' || v === 'ZOMBIE' || v === 'REQUESTED';

/** Per action, its fields besides `action`: [key, check, required]. Mirrors the schemas in types.ts. */
const FIELDS: { readonly [action: string]: readonly (readonly [string, Check, boolean])[] } = {
  initialize: [
    ['shardId', isString, true],
    ['sequenceNumber', nullableString, false],
    ['subSequenceNumber', nullableNumber, false],
  ],
  leaseLost: [],
  shardEnded: [],
  shutdownRequested: [],
  shutdown: [['reason', reason, true]],
  checkpoint: [
    ['sequenceNumber', nullableString, false],
    ['subSequenceNumber', nullableNumber, false],
    ['error', nullableString, false],
  ],
};

/** The actions `parseLine` has a schema for (tested equal to `KNOWN_ACTIONS` in types.ts). */
export const PLAIN_ACTIONS: ReadonlySet<string> = new Set([...Object.keys(FIELDS), 'processRecords']);

/** Marks a line `parsePlainLine` leaves to `parseLine` (zod). */
export const NOT_PLAIN = Symbol('not plain');

/**
 * One line → its message, `undefined` for a blank line, or `NOT_PLAIN` when only
 * `parseLine` can tell (bad JSON, a bad or unusual field: it then throws or strips).
 */
export function parsePlainLine(line: string): ParsedMessage | undefined | typeof NOT_PLAIN {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_PLAIN;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_PLAIN;
  const action = (value as { action?: unknown }).action;
  if (typeof action !== 'string') return NOT_PLAIN;
  if (!PLAIN_ACTIONS.has(action)) return { action, unknown: true };
  return isPlainMessage(value) ? value : NOT_PLAIN;
}

/** True when the message's schema accepts `value` and would output it unchanged. */
export function isPlainMessage(value: object): value is Exclude<ParsedMessage, { unknown: true }> {
  const action = (value as { action?: unknown }).action;
  if (action === 'processRecords') return isPlainProcessRecords(value);
  if (typeof action !== 'string' || !Object.hasOwn(FIELDS, action)) return false;
  const m = value as { [key: string]: unknown };
  let known = 1;
  for (const [key, check, required] of FIELDS[action]!) {
    const v = m[key];
    if (v === undefined) {
      if (required) return false;
      continue;
    }
    if (!check(v)) return false;
    known++;
  }
  return ownKeysExactly(m, known);
}

/** `ProcessRecordsSchema` for a batch with no keys beyond the schema's (see above). */
export function isPlainProcessRecords(value: object): value is ProcessRecordsMessage {
  const m = value as { action?: unknown; records?: unknown; millisBehindLatest?: unknown };
  if (m.action !== 'processRecords') return false;
  const records = m.records;
  if (!Array.isArray(records)) return false;
  const behind = m.millisBehindLatest;
  if (behind !== undefined && !nullableNumber(behind)) return false;
  if (!ownKeysExactly(m, behind === undefined ? 2 : 3)) return false;
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
    if (!nullableNumber(ts)) return false;
    known++;
  }
  const action = r.action;
  if (action !== undefined) {
    if (action !== 'record') return false;
    known++;
  }
  return ownKeysExactly(r, known);
}

/** The object has exactly `count` enumerable keys, all its own: only the known keys counted by the caller. */
function ownKeysExactly(o: object, count: number): boolean {
  let keys = 0;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) return false;
    keys++;
  }
  return keys === count;
}
