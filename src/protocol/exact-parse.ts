/**
 * Exact checks for the daemon's messages without zod, so that a child whose input is
 * well-formed never loads zod (it costs ~50 ms of start-up and ~14 MB of RSS per child,
 * and the daemon runs one child per shard lease) and a batch is checked without
 * per-record result objects.
 *
 * A check says yes only when the zod schema in `types.ts` would accept the message and
 * output it unchanged: every key the field table (`fields.ts`) lists holds what it says,
 * and there is no other key (zod would strip it). "No" does not mean invalid: the caller
 * then hands the line to `parseLine`, which lets zod decide and name the field.
 * `test/protocol/exact-parse.test.ts` holds these checks to accepting and rejecting
 * exactly what the schemas do. This module must not import `types.ts` at run time.
 */
import { DAEMON_MESSAGES, RECORD_FIELDS, type Field, type Fields } from './fields.js';
import type { DaemonMessage, ParsedMessage } from './types.js';

/**
 * A table's fields, compiled once into parallel arrays. The checks are a switch on a
 * type code, not a function per field: called through one site, per-field functions
 * made the record check 2.4x slower than the hand-written one it replaced.
 */
interface Compiled {
  readonly keys: readonly string[];
  readonly types: Uint8Array;
  readonly nullable: readonly boolean[];
  /** Bit i set: `keys[i]` is required. */
  readonly requiredMask: number;
  /** Per `ONE_OF` field, the strings it may be. */
  readonly values: readonly (readonly string[] | undefined)[];
}

const STRING = 0;
const NUMBER = 1;
const INTEGER = 2;
const RECORDS = 3;
const ONE_OF = 4;
const CODES = { string: STRING, number: NUMBER, integer: INTEGER, records: RECORDS } as const;

function compile(fields: Fields, action?: string): Compiled {
  const entries: [string, Field][] = Object.entries(fields);
  if (action !== undefined) entries.unshift(['action', { type: [action], nullable: false, required: true, ignored: false }]);
  if (entries.length > 31) throw new Error('exact checks: more than 31 keys in one table');
  return {
    keys: entries.map(([key]) => key),
    types: Uint8Array.from(entries, ([, f]) => (typeof f.type === 'string' ? CODES[f.type] : ONE_OF)),
    nullable: entries.map(([, f]) => f.nullable),
    requiredMask: entries.reduce((mask, [, f], i) => (f.required ? mask | (1 << i) : mask), 0),
    values: entries.map(([, f]) => (typeof f.type === 'string' ? undefined : f.type)),
  };
}

const RECORD = compile(RECORD_FIELDS);

/** Per action, its compiled fields, `action` first. A Map: an action named "constructor" must not find Object's. */
const MESSAGES: ReadonlyMap<string, Compiled> = new Map(Object.entries(DAEMON_MESSAGES).map(([action, fields]) => [action, compile(fields, action)]));

/** Marks a line `parseExactLine` leaves to `parseLine` (zod). */
export const NOT_EXACT = Symbol('not exact');

/**
 * One line → its message, `undefined` for a blank line, or `NOT_EXACT` when only
 * `parseLine` can tell (bad JSON, a bad or unusual field: it then throws or strips).
 */
export function parseExactLine(line: string): ParsedMessage | undefined | typeof NOT_EXACT {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_EXACT;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_EXACT;
  const action = (value as { action?: unknown }).action;
  if (typeof action !== 'string') return NOT_EXACT;
  if (!MESSAGES.has(action)) return { action, unknown: true };
  return isExactMessage(value) ? value : NOT_EXACT;
}

/**
 * True when the message's schema accepts `value` and would output it unchanged.
 * `value` is `JSON.parse`'s: objects whose prototype is Object's, arrays and scalars.
 */
export function isExactMessage(value: object): value is DaemonMessage {
  const action = (value as { action?: unknown }).action;
  const fields = typeof action === 'string' ? MESSAGES.get(action) : undefined;
  return fields !== undefined && !hasEnumerableKeys(Object.prototype) && isExact(value, fields);
}

/**
 * A key that `for…in` finds on Object's prototype (put there by some library) is one
 * every object seems to have; the checks then say no and leave the line to zod. Asked
 * once per message so that `isExact` need not ask `Object.hasOwn` per key (that made
 * the record check ~1.7x slower).
 */
function hasEnumerableKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** `value` is an object with the table's keys, each holding what it says, and no other key. */
function isExact(value: unknown, fields: Compiled): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as { [key: string]: unknown };
  const { keys, types, nullable } = fields;
  const count = keys.length;
  let seen = 0;
  // Over the object's keys, not the table's: inside for-in, V8 reads o[key] from the
  // enumeration cache (keyed reads of the table's keys made the check ~2x slower, and so
  // did keys.indexOf(key)).
  for (const key in o) {
    let i = 0;
    while (i < count && keys[i] !== key) i++;
    if (i === count) return false;
    seen |= 1 << i;
    const v = o[key];
    if (v === null) {
      if (nullable[i]) continue;
      return false;
    }
    switch (types[i]) {
      case STRING:
        if (typeof v !== 'string') return false;
        break;
      case NUMBER:
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        break;
      case INTEGER:
        if (!Number.isSafeInteger(v)) return false; // zod's .int()
        break;
      case RECORDS:
        if (!isRecords(v)) return false;
        break;
      default:
        if (typeof v !== 'string' || !fields.values[i]!.includes(v)) return false;
    }
  }
  return (seen & fields.requiredMask) === fields.requiredMask;
}

function isRecords(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isExact(v[i], RECORD)) return false;
  return true;
}
