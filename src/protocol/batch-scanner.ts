/**
 * Reads a `processRecords` line straight from the Buffers it arrived in, without joining
 * them, decoding the line to a string or building it with `JSON.parse`: a maximal batch
 * is 13 MB or more, and each of those copies costs its size again in memory and in GC.
 * Records keep their base64 payloads as spans of those Buffers (`SpanRecord`).
 *
 * It vouches only for what it fully checks. A line it accepts is one `JSON.parse` would
 * parse to the same values and `isPlainProcessRecords` would accept; for anything else
 * (another action, an unknown or repeated key, escapes in a key, a bad value, not JSON)
 * it returns `undefined` and the caller parses the line the general way, which also
 * names what is wrong. `test/protocol/batch-scanner.test.ts` holds it to that.
 */
import { SpanRecord, type Span } from './span-record.js';
import type { ProcessRecordsMessage } from './types.js';

/** Not a line this scanner vouches for. */
const FAIL = -1;
/** Ran off the end of the bytes at hand: the token goes on in the next Buffer. */
const INCOMPLETE = -2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** JSON whitespace. */
const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;
/** Bytes that stand for themselves in a JSON string and need no decoding: printable ASCII but `"` and `\`. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

// Keys, by id. Record keys and top-level keys share the numbering; each scan accepts its own.
const K_DATA = 1;
const K_PARTITION_KEY = 2;
const K_SEQUENCE_NUMBER = 4;
const K_SUB_SEQUENCE_NUMBER = 8;
const K_ARRIVAL = 16;
const K_ACTION = 32;
const K_RECORDS = 64;
const K_BEHIND = 128;
const RECORD_KEYS = K_DATA | K_PARTITION_KEY | K_SEQUENCE_NUMBER | K_SUB_SEQUENCE_NUMBER | K_ARRIVAL | K_ACTION;
const RECORD_REQUIRED = K_DATA | K_PARTITION_KEY | K_SEQUENCE_NUMBER;
const TOP_KEYS = K_ACTION | K_RECORDS | K_BEHIND;

/** Each known key's bytes and id, by the key's length (no two share one). */
const KEYS_BY_LENGTH: (readonly [Buffer, number] | undefined)[] = [];
for (const [name, id] of [
  ['data', K_DATA],
  ['partitionKey', K_PARTITION_KEY],
  ['sequenceNumber', K_SEQUENCE_NUMBER],
  ['subSequenceNumber', K_SUB_SEQUENCE_NUMBER],
  ['approximateArrivalTimestamp', K_ARRIVAL],
  ['action', K_ACTION],
  ['records', K_RECORDS],
  ['millisBehindLatest', K_BEHIND],
] as const) {
  if (KEYS_BY_LENGTH[name.length] !== undefined) throw new Error(`batch scanner: two keys of length ${name.length}`);
  KEYS_BY_LENGTH[name.length] = [Buffer.from(name, 'latin1'), id];
}

function same(b: Buffer, start: number, bytes: Buffer): boolean {
  for (let k = 0; k < bytes.length; k++) if (b[start + k] !== bytes[k]) return false;
  return true;
}

// Results of the scan functions, in module "registers": no result object per token.
let keyId = 0;
let text: string | undefined;
let num: number | null = null;
const rData: Span = { start: 0, end: 0, text: undefined };
const rPartitionKey: Span = { start: 0, end: 0, text: undefined };
const rSequenceNumber: Span = { start: 0, end: 0, text: undefined };
let rSub: number | null | undefined;
let rArrival: number | null | undefined;
let rAction: 'record' | undefined;

function ws(b: Buffer, i: number, end: number): number {
  while (i < end && WS[b[i]!] === 1) i++;
  return i;
}

/** A key at `p` (a `"`) → position after it, `keyId` set; unknown or escaped keys fail. */
function scanKey(b: Buffer, p: number, end: number): number {
  const start = p + 1;
  let i = start;
  while (i < end && PLAIN[b[i]!] === 1) i++;
  if (i >= end) return INCOMPLETE;
  if (b[i] !== QUOTE) return FAIL;
  const key = KEYS_BY_LENGTH[i - start];
  if (key === undefined || !same(b, start, key[0])) return FAIL;
  keyId = key[1];
  return i + 1;
}

/** A string at `p` (a `"`) → position after it, `text` set to what `JSON.parse` would give. */
function scanString(b: Buffer, p: number, end: number): number {
  const start = p + 1;
  let i = start;
  let escaped = false;
  let ascii = true;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) break;
    if (c < 0x20) return FAIL;
    if (c === BACKSLASH) {
      escaped = true;
      i++; // the escaped byte, which may be a quote
    } else if (c >= 0x80) {
      ascii = false;
    }
  }
  if (i >= end) return INCOMPLETE;
  if (escaped) {
    try {
      text = JSON.parse(b.toString('utf8', p, i + 1)) as string;
    } catch {
      return FAIL;
    }
  } else {
    // Slices end at ASCII quotes, so UTF-8 decodes here exactly as it would in the whole line.
    text = b.toString(ascii ? 'latin1' : 'utf8', start, i);
  }
  return i + 1;
}

/** A string at `p` (a `"`) → position after it; a span when it is plain, else `text` set. */
function scanText(b: Buffer, p: number, end: number, into: Span): number {
  const start = p + 1;
  let i = start;
  while (i < end && PLAIN[b[i]!] === 1) i++;
  if (i >= end) return INCOMPLETE;
  if (b[i] !== QUOTE) {
    const next = scanString(b, p, end);
    into.text = text;
    into.start = into.end = 0;
    return next;
  }
  into.text = undefined;
  into.start = start;
  into.end = i;
  return i + 1;
}

const RECORD_ACTION = Buffer.from('"record"');

/** A payload at `p` (a `"`): a span when it is plain ASCII (base64 is), else a string. */
function scanData(b: Buffer, p: number, end: number): number {
  const start = p + 1;
  const q = b.indexOf(QUOTE, start);
  if (q === -1 || q >= end) return INCOMPLETE;
  if (!isPlainSpan(b, start, q)) return scanText(b, p, end, rData);
  rData.text = undefined;
  rData.start = start;
  rData.end = q;
  return q + 1;
}

// The payloads are most of a batch, so their check reads 4 bytes at a time.
let wordsOf: Buffer | undefined;
let words: Uint32Array = new Uint32Array(0);
let wordsStart = 0;

/** No byte of `b[start, end)` needs decoding in a JSON string: none below 0x20, above 0x7f, or `\`. */
function isPlainSpan(b: Buffer, start: number, end: number): boolean {
  let i = start;
  if (end - start >= 64) {
    if (wordsOf !== b) {
      wordsOf = b;
      wordsStart = (4 - (b.byteOffset & 3)) & 3; // the first index of b on a 4-byte boundary
      words = new Uint32Array(b.buffer, b.byteOffset + wordsStart, (b.length - wordsStart) >>> 2);
    }
    while ((i - wordsStart) & 3) if (PLAIN[b[i++]!] !== 1) return false;
    const last = (end - wordsStart) >>> 2;
    for (let w = (i - wordsStart) >>> 2; w < last; w++) {
      const v = words[w]!;
      const x = v ^ 0x5c5c5c5c;
      // A byte < 0x20, a byte >= 0x80, or a 0x5c byte sets that byte's top bit here.
      if ((((v - 0x20202020) & ~v) | v | ((x - 0x01010101) & ~x)) & 0x80808080) return false;
    }
    i = wordsStart + last * 4;
  }
  for (; i < end; i++) if (PLAIN[b[i]!] !== 1) return false;
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** A JSON number or `null` at `p` → position after it, `num` set. */
function scanNullableNumber(b: Buffer, p: number, end: number): number {
  if (b[p] === 0x6e) {
    if (p + 4 > end) return INCOMPLETE;
    if (b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) return FAIL;
    num = null;
    return p + 4;
  }
  let i = p;
  if (b[i] === 0x2d) i++;
  if (i >= end) return INCOMPLETE;
  let value = 0;
  const intStart = i;
  if (b[i] === 0x30) {
    i++;
  } else if (isDigit(b[i])) {
    while (i < end && isDigit(b[i])) value = value * 10 + (b[i++]! - 0x30);
  } else {
    return FAIL;
  }
  let simple = i - intStart <= 15;
  if (i < end && b[i] === 0x2e) {
    simple = false;
    i++;
    if (i >= end) return INCOMPLETE;
    if (!isDigit(b[i])) return FAIL;
    while (i < end && isDigit(b[i])) i++;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    simple = false;
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (i >= end) return INCOMPLETE;
    if (!isDigit(b[i])) return FAIL;
    while (i < end && isDigit(b[i])) i++;
  }
  // A number may go on in the next Buffer; the line itself never ends in one.
  if (i >= end) return INCOMPLETE;
  // Up to 15 digits are exact in a double; longer forms get the same rounding as JSON.parse.
  if (simple) num = b[p] === 0x2d ? -value : value;
  else num = Number(b.toString('latin1', p, i));
  return i;
}

/** One record object at `p` (a `{`) → position after it, the `r*` registers set. */
function scanRecord(b: Buffer, p: number, end: number): number {
  let seen = 0;
  rSub = rArrival = undefined;
  rAction = undefined;
  let i = ws(b, p + 1, end);
  for (;;) {
    if (i >= end) return INCOMPLETE;
    if (b[i] !== QUOTE) return FAIL;
    i = scanKey(b, i, end);
    if (i < 0) return i;
    const key = keyId;
    if ((key & RECORD_KEYS) === 0 || (seen & key) !== 0) return FAIL;
    seen |= key;
    i = ws(b, i, end);
    if (i >= end) return INCOMPLETE;
    if (b[i] !== COLON) return FAIL;
    i = ws(b, i + 1, end);
    if (i >= end) return INCOMPLETE;
    if (key === K_DATA || key === K_PARTITION_KEY || key === K_SEQUENCE_NUMBER) {
      if (b[i] !== QUOTE) return FAIL;
      i = key === K_DATA ? scanData(b, i, end) : scanText(b, i, end, key === K_PARTITION_KEY ? rPartitionKey : rSequenceNumber);
      if (i < 0) return i;
    } else if (key === K_ACTION) {
      if (b[i] !== QUOTE) return FAIL;
      if (i + RECORD_ACTION.length <= end && same(b, i, RECORD_ACTION)) {
        i += RECORD_ACTION.length;
      } else {
        i = scanString(b, i, end); // escapes, or cut by the end of a Buffer
        if (i < 0) return i;
        if (text !== 'record') return FAIL;
      }
      rAction = 'record';
    } else {
      i = scanNullableNumber(b, i, end);
      if (i < 0) return i;
      if (key === K_SUB_SEQUENCE_NUMBER) {
        if (num !== null && !Number.isSafeInteger(num)) return FAIL;
        rSub = num;
      } else {
        if (num !== null && !Number.isFinite(num)) return FAIL;
        rArrival = num;
      }
    }
    i = ws(b, i, end);
    if (i >= end) return INCOMPLETE;
    const c = b[i];
    if (c === COMMA) {
      i = ws(b, i + 1, end);
      continue;
    }
    if (c !== CLOSE_BRACE) return FAIL;
    return (seen & RECORD_REQUIRED) === RECORD_REQUIRED ? i + 1 : FAIL;
  }
}

/** Where a token that crossed Buffers is put together (reused: nothing keeps it). */
let scratch = Buffer.alloc(0);

/** A position in the line's Buffers. */
class Cursor {
  private index = 0;
  b: Buffer;
  p = 0;
  /** The Buffer the last `step` read its token from: a line Buffer, or a copy of a bridged token. */
  tokenBytes: Buffer;

  constructor(private readonly parts: readonly Buffer[]) {
    this.b = parts[0] ?? Buffer.alloc(0);
    this.tokenBytes = this.b;
  }

  /** The byte at the cursor, moving past the end of a Buffer into the next; -1 at the end of the line. */
  peek(): number {
    while (this.p >= this.b.length) {
      if (this.index + 1 >= this.parts.length) return -1;
      this.b = this.parts[++this.index]!;
      this.p = 0;
    }
    return this.b[this.p]!;
  }

  /** Skips whitespace across Buffers; the next byte, or -1 at the end of the line. */
  ws(): number {
    for (;;) {
      const c = this.peek();
      if (c === -1 || WS[c] !== 1) return c;
      this.p = ws(this.b, this.p, this.b.length);
    }
  }

  /** Runs a scan function at the cursor (which must be at a byte); a token cut by a Buffer's end is put together in `scratch` first. */
  step(scan: (b: Buffer, p: number, end: number) => number, keep: boolean): boolean {
    const r = scan(this.b, this.p, this.b.length);
    if (r >= 0) {
      this.tokenBytes = this.b;
      this.p = r;
      return true;
    }
    return r === INCOMPLETE && this.bridge(scan, keep);
  }

  private bridge(scan: (b: Buffer, p: number, end: number) => number, keep: boolean): boolean {
    const head = this.b.length - this.p;
    let length = head;
    let next = this.index + 1;
    const joined: Buffer[] = [this.b.subarray(this.p)];
    let r = INCOMPLETE;
    while (r === INCOMPLETE) {
      if (next >= this.parts.length) return false; // the line ends inside the token
      // Add Buffers until the bytes at least double, so a huge record is not rescanned per Buffer.
      const target = length * 2;
      while (next < this.parts.length && (length < target || joined.length === 1)) {
        const part = this.parts[next++]!;
        joined.push(part);
        length += part.length;
      }
      if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, scratch.length * 2, 64 * 1024));
      let at = 0;
      for (const part of joined) at += part.copy(scratch, at);
      r = scan(scratch, 0, length);
      if (r === FAIL) return false;
    }
    // Spans of a kept token must outlive `scratch`: copy just the token's bytes.
    this.tokenBytes = keep ? Buffer.from(scratch.subarray(0, r)) : scratch;
    // Move the cursor `r` bytes on from where the token started.
    let rest = r - head;
    if (rest < 0) {
      this.p += r;
      return true;
    }
    for (;;) {
      this.b = this.parts[++this.index]!;
      if (rest <= this.b.length) break;
      rest -= this.b.length;
    }
    this.p = rest;
    return true;
  }

  expect(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.p++;
    return true;
  }
}

/**
 * The `processRecords` message in `parts` (one line, split where it arrived; the
 * newline not included), or `undefined` when the general parser must decide.
 */
export function scanProcessRecords(parts: readonly Buffer[]): ProcessRecordsMessage | undefined {
  const c = new Cursor(parts);
  if (c.ws() !== OPEN_BRACE) return undefined;
  c.p++;
  let seen = 0;
  let records: SpanRecord[] | undefined;
  let behind: number | null | undefined;
  if (c.ws() !== QUOTE) return undefined;
  for (;;) {
    if (!c.step(scanKey, false)) return undefined;
    const key = keyId;
    if ((key & TOP_KEYS) === 0 || (seen & key) !== 0) return undefined;
    seen |= key;
    if (c.ws() !== COLON) return undefined;
    c.p++;
    const first = c.ws();
    if (first === -1) return undefined;
    if (key === K_ACTION) {
      if (first !== QUOTE || !c.step(scanString, false) || text !== 'processRecords') return undefined;
    } else if (key === K_BEHIND) {
      if (!c.step(scanNullableNumber, false) || (num !== null && !Number.isFinite(num))) return undefined;
      behind = num;
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
  if ((seen & K_ACTION) === 0 || records === undefined) return undefined;
  return behind === undefined
    ? { action: 'processRecords', records }
    : { action: 'processRecords', records, millisBehindLatest: behind };
}

/** The records after `[` up to and including `]`. */
function scanRecords(c: Cursor): SpanRecord[] | undefined {
  const records: SpanRecord[] = [];
  let next = c.ws();
  if (next === CLOSE_BRACKET) {
    c.p++;
    return records;
  }
  for (;;) {
    if (next !== OPEN_BRACE || !c.step(scanRecord, true)) return undefined;
    records.push(
      new SpanRecord(c.tokenBytes, rData, rPartitionKey, rSequenceNumber, rSub, rArrival, rAction),
    );
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
