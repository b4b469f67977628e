/**
 * Reads a `processRecords` line straight from the Buffers it arrived in, without joining
 * them, decoding the line to a string or building it with `JSON.parse`: a maximal batch
 * is 13 MB or more, and each of those copies costs its size again in memory and in GC.
 * Records keep their base64 payloads as spans of those Buffers (`SpanRecord`). This is
 * the message's grammar; the tokens are `json-tokenizer.ts`'s, the keys the field table's.
 *
 * It vouches only for what it fully checks. A line it accepts is one `JSON.parse` would
 * parse to the same values and `isExactMessage` would accept; for anything else
 * (another action, an unknown or repeated key, escapes in a key, a bad value, not JSON)
 * it returns `undefined` and the caller parses the line the general way, which also
 * names what is wrong. `test/protocol/batch-scanner.test.ts` holds it to that.
 */
import { DAEMON_MESSAGES, RECORD_FIELDS, type DaemonAction, type Field, type Fields } from './fields.js';
import { FAIL, INCOMPLETE, bytesAt, keyScanner, scanLongStringSpan, scanNullableNumber, scanString, scanStringSpan, skipWs, token } from './json-tokenizer.js';
import { LineCursor } from './line-cursor.js';
import { SpanRecord, type Span } from './span-record.js';
import type { ProcessRecordsMessage } from './types.js';

// JSON's structural bytes, declared here and not imported: V8 does not fold an imported
// binding to a constant, and these are compared per key and value (imported, a batch of
// 10k small records took ~10% more CPU).
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const ACTION = 'processRecords' satisfies DaemonAction;
const MESSAGE_FIELDS: Fields = DAEMON_MESSAGES[ACTION];

// Each key gets a bit. Record keys and the message's share the numbering (both have `action`).
const IDS = new Map<string, number>();
const idOf = (key: string): number => {
  if (!IDS.has(key)) IDS.set(key, 1 << IDS.size);
  return IDS.get(key)!;
};

/**
 * The field table entry the grammar reads `key` as. It holds each key in a SpanRecord
 * field of its own and checks its value one fixed way, so a table that says anything
 * else stops this module from loading: otherwise the scanner would accept what the
 * exact checks refuse, or build records from another record's values.
 */
function slot(fields: Fields, key: string, type: Field['type'], nullable: boolean, mustBeRequired: boolean): number {
  const f = fields[key];
  const same = f !== undefined && JSON.stringify(f.type) === JSON.stringify(type) && f.nullable === nullable && (f.required || !mustBeRequired);
  if (!same) throw new Error(`batch scanner: the field table's "${key}" is not what the scanner reads (${JSON.stringify(type)}, nullable ${nullable}${mustBeRequired ? ', required' : ''})`);
  return idOf(key);
}

const K_DATA = slot(RECORD_FIELDS, 'data', 'string', false, true);
const K_PARTITION_KEY = slot(RECORD_FIELDS, 'partitionKey', 'string', false, true);
const K_SEQUENCE_NUMBER = slot(RECORD_FIELDS, 'sequenceNumber', 'string', false, true);
const K_SUB_SEQUENCE_NUMBER = slot(RECORD_FIELDS, 'subSequenceNumber', 'integer', true, false);
const K_ARRIVAL = slot(RECORD_FIELDS, 'approximateArrivalTimestamp', 'number', true, false);
const RECORD_ACTION_VALUE = 'record';
const K_ACTION = slot(RECORD_FIELDS, 'action', [RECORD_ACTION_VALUE], false, false);
const K_RECORDS = slot(MESSAGE_FIELDS, 'records', 'records', false, true);
const K_BEHIND = slot(MESSAGE_FIELDS, 'millisBehindLatest', 'number', true, false);

const RECORD_KEYS = K_DATA | K_PARTITION_KEY | K_SEQUENCE_NUMBER | K_SUB_SEQUENCE_NUMBER | K_ARRIVAL | K_ACTION;
const TOP_KEYS = K_ACTION | K_RECORDS | K_BEHIND;

/** The mask of the keys `fields` requires; a key of the table the grammar has no slot for among `slots` stops the load. */
function required(fields: Fields, slots: number): number {
  let mask = 0;
  for (const [key, f] of Object.entries(fields)) {
    const id = IDS.get(key);
    if (id === undefined || (id & slots) === 0) throw new Error(`batch scanner: no slot for the field table's "${key}"`);
    if (f.required) mask |= id;
  }
  return mask;
}

const RECORD_REQUIRED = required(RECORD_FIELDS, RECORD_KEYS);
const TOP_REQUIRED = K_ACTION | required(MESSAGE_FIELDS, TOP_KEYS & ~K_ACTION);
const scanKey = keyScanner(IDS);
const RECORD_ACTION = Buffer.from(JSON.stringify(RECORD_ACTION_VALUE));

// The record being scanned, in module "registers": no result object per record.
const rData: Span = { start: 0, end: 0, text: undefined };
const rPartitionKey: Span = { start: 0, end: 0, text: undefined };
const rSequenceNumber: Span = { start: 0, end: 0, text: undefined };
let rSub: number | null | undefined;
let rArrival: number | null | undefined;
let rAction: 'record' | undefined;

/** One record object at `p` (a `{`) → position after it, the `r*` registers set. */
function scanRecord(b: Buffer, p: number, end: number): number {
  let seen = 0;
  rSub = rArrival = undefined;
  rAction = undefined;
  let i = skipWs(b, p + 1, end);
  for (;;) {
    if (i >= end) return INCOMPLETE;
    if (b[i] !== QUOTE) return FAIL;
    i = scanKey(b, i, end);
    if (i < 0) return i;
    const key = token.key;
    if ((key & RECORD_KEYS) === 0 || (seen & key) !== 0) return FAIL;
    seen |= key;
    i = skipWs(b, i, end);
    if (i >= end) return INCOMPLETE;
    if (b[i] !== COLON) return FAIL;
    i = skipWs(b, i + 1, end);
    if (i >= end) return INCOMPLETE;
    if (key === K_DATA || key === K_PARTITION_KEY || key === K_SEQUENCE_NUMBER) {
      if (b[i] !== QUOTE) return FAIL;
      i = key === K_DATA ? scanLongStringSpan(b, i, end, rData) : scanStringSpan(b, i, end, key === K_PARTITION_KEY ? rPartitionKey : rSequenceNumber);
      if (i < 0) return i;
    } else if (key === K_ACTION) {
      if (b[i] !== QUOTE) return FAIL;
      if (bytesAt(b, i, end, RECORD_ACTION)) {
        i += RECORD_ACTION.length;
      } else {
        i = scanString(b, i, end); // escapes, or cut by the end of a Buffer
        if (i < 0) return i;
        if (token.text !== RECORD_ACTION_VALUE) return FAIL;
      }
      rAction = RECORD_ACTION_VALUE;
    } else {
      i = scanNullableNumber(b, i, end);
      if (i < 0) return i;
      const num = token.num;
      if (key === K_SUB_SEQUENCE_NUMBER) {
        if (num !== null && !Number.isSafeInteger(num)) return FAIL;
        rSub = num;
      } else {
        if (num !== null && !Number.isFinite(num)) return FAIL;
        rArrival = num;
      }
    }
    i = skipWs(b, i, end);
    if (i >= end) return INCOMPLETE;
    const c = b[i];
    if (c === COMMA) {
      i = skipWs(b, i + 1, end);
      continue;
    }
    if (c !== CLOSE_BRACE) return FAIL;
    return (seen & RECORD_REQUIRED) === RECORD_REQUIRED ? i + 1 : FAIL;
  }
}

/**
 * The `processRecords` message in `parts` (one line, split where it arrived; the
 * newline not included), or `undefined` when the general parser must decide.
 */
export function scanProcessRecords(parts: readonly Buffer[]): ProcessRecordsMessage | undefined {
  const c = new LineCursor(parts);
  if (c.ws() !== OPEN_BRACE) return undefined;
  c.p++;
  let seen = 0;
  let records: SpanRecord[] | undefined;
  let behind: number | null | undefined;
  if (c.ws() !== QUOTE) return undefined;
  for (;;) {
    if (!c.step(scanKey, false)) return undefined;
    const key = token.key;
    if ((key & TOP_KEYS) === 0 || (seen & key) !== 0) return undefined;
    seen |= key;
    if (c.ws() !== COLON) return undefined;
    c.p++;
    const first = c.ws();
    if (first === -1) return undefined;
    if (key === K_ACTION) {
      if (first !== QUOTE || !c.step(scanString, false) || token.text !== ACTION) return undefined;
    } else if (key === K_BEHIND) {
      if (!c.step(scanNullableNumber, false) || (token.num !== null && !Number.isFinite(token.num))) return undefined;
      behind = token.num;
    } else {
      if (first !== OPEN_BRACKET) return undefined;
      c.p++;
      records = scanRecords(c);
      if (records === undefined) return undefined;
    }
    const after = c.ws();
    if (after === COMMA) {
      c.p++;
      if (c.ws() !== QUOTE) return undefined;
      continue;
    }
    if (after !== CLOSE_BRACE) return undefined;
    c.p++;
    break;
  }
  if (c.ws() !== -1) return undefined;
  if ((seen & TOP_REQUIRED) !== TOP_REQUIRED || records === undefined) return undefined;
  return behind === undefined
    ? { action: ACTION, records }
    : { action: ACTION, records, millisBehindLatest: behind };
}

/** The records after `[` up to and including `]`. */
function scanRecords(c: LineCursor): SpanRecord[] | undefined {
  const records: SpanRecord[] = [];
  let next = c.ws();
  if (next === CLOSE_BRACKET) {
    c.p++;
    return records;
  }
  for (;;) {
    if (next !== OPEN_BRACE || !c.step(scanRecord, true)) return undefined;
    records.push(new SpanRecord(c.tokenBytes, rData, rPartitionKey, rSequenceNumber, rSub, rArrival, rAction));
    next = c.ws();
    if (next === CLOSE_BRACKET) {
      c.p++;
      return records;
    }
    if (next !== COMMA) return undefined;
    c.p++;
    next = c.ws();
  }
}
