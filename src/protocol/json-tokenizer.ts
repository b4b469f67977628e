/**
 * JSON tokens read straight from the Buffers a line arrived in: keys, strings (as spans
 * of those Buffers when they need no decoding), numbers and `null`, whitespace. No
 * string is made of what needs none and no object is made per token: results go to
 * `token` and to the caller's `Span`s. The batch scanner's grammar is built on these,
 * walking the line with `LineCursor`.
 *
 * Each scan function takes `(b, p, end)`, the token starting at `b[p]`, and returns the
 * position after it, `FAIL` when the bytes are not a token it vouches for, or
 * `INCOMPLETE` when the token goes on past `end`.
 */
import type { Span } from './span-record.js';

/** Not a token the scanner vouches for. */
export const FAIL = -1;
/** Ran off the end of the bytes at hand: the token goes on in the next Buffer. */
export const INCOMPLETE = -2;

export type Scan = (b: Buffer, p: number, end: number) => number;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON whitespace. */
const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;
/** Bytes that stand for themselves in a JSON string and need no decoding: printable ASCII but `"` and `\`. */
const VERBATIM = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) VERBATIM[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** Results of the scan functions, in one reused "register" object: no result object per token. */
export const token = {
  /** The id `keyScanner` gave the last key. */
  key: 0,
  /** The last string `scanString` read, as `JSON.parse` would give it. */
  text: undefined as string | undefined,
  /** The last value `scanNullableNumber` read. */
  num: null as number | null,
};

export function skipWs(b: Buffer, i: number, end: number): number {
  while (i < end && WS[b[i]!] === 1) i++;
  return i;
}

function same(b: Buffer, start: number, bytes: Buffer): boolean {
  for (let k = 0; k < bytes.length; k++) if (b[start + k] !== bytes[k]) return false;
  return true;
}

/** `bytes` stand at `b[p]` (and fit before `end`). */
export function bytesAt(b: Buffer, p: number, end: number, bytes: Buffer): boolean {
  return p + bytes.length <= end && same(b, p, bytes);
}

/**
 * A scan for the keys in `ids` (names → ids; no two of the same length, so a key is
 * found by its length and one comparison): a key at `p` (a `"`) → position after it,
 * `token.key` set; any other key, or one with escapes, fails.
 */
export function keyScanner(ids: ReadonlyMap<string, number>): Scan {
  const byLength: (readonly [Buffer, number] | undefined)[] = [];
  for (const [name, id] of ids) {
    if (byLength[name.length] !== undefined) throw new Error(`json tokenizer: two keys of length ${name.length}`);
    byLength[name.length] = [Buffer.from(name, 'latin1'), id];
  }
  return (b, p, end) => {
    const start = p + 1;
    let i = start;
    while (i < end && VERBATIM[b[i]!] === 1) i++;
    if (i >= end) return INCOMPLETE;
    if (b[i] !== QUOTE) return FAIL;
    const key = byLength[i - start];
    if (key === undefined || !same(b, start, key[0])) return FAIL;
    token.key = key[1];
    return i + 1;
  };
}

/** A string at `p` (a `"`) → position after it, `token.text` set to what `JSON.parse` would give. */
export function scanString(b: Buffer, p: number, end: number): number {
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
      token.text = JSON.parse(b.toString('utf8', p, i + 1)) as string;
    } catch {
      return FAIL;
    }
  } else {
    // Slices end at ASCII quotes, so UTF-8 decodes here exactly as it would in the whole line.
    token.text = b.toString(ascii ? 'latin1' : 'utf8', start, i);
  }
  return i + 1;
}

/** A string at `p` (a `"`) → position after it; `into` a span when it is verbatim, else its decoded text. */
export function scanStringSpan(b: Buffer, p: number, end: number, into: Span): number {
  const start = p + 1;
  let i = start;
  while (i < end && VERBATIM[b[i]!] === 1) i++;
  if (i >= end) return INCOMPLETE;
  if (b[i] !== QUOTE) return decoded(b, p, end, into);
  into.text = undefined;
  into.start = start;
  into.end = i;
  return i + 1;
}

/** `scanStringSpan` for long strings that are verbatim as a rule (base64 payloads): their check reads 4 bytes at a time. */
export function scanLongStringSpan(b: Buffer, p: number, end: number, into: Span): number {
  const start = p + 1;
  const q = b.indexOf(QUOTE, start);
  if (q === -1 || q >= end) return INCOMPLETE;
  if (!isVerbatimSpan(b, start, q)) return decoded(b, p, end, into);
  into.text = undefined;
  into.start = start;
  into.end = q;
  return q + 1;
}

function decoded(b: Buffer, p: number, end: number, into: Span): number {
  const next = scanString(b, p, end);
  into.text = token.text;
  into.start = into.end = 0;
  return next;
}

// The 4-byte view of the Buffer last checked, kept while the scan stays in it.
let wordsOf: Buffer | undefined;
let words: Uint32Array = new Uint32Array(0);
let wordsStart = 0;

/** No byte of `b[start, end)` needs decoding in a JSON string: none below 0x20, above 0x7f, or `\`. */
function isVerbatimSpan(b: Buffer, start: number, end: number): boolean {
  let i = start;
  if (end - start >= 64) {
    if (wordsOf !== b) {
      wordsOf = b;
      wordsStart = (4 - (b.byteOffset & 3)) & 3; // the first index of b on a 4-byte boundary
      words = new Uint32Array(b.buffer, b.byteOffset + wordsStart, (b.length - wordsStart) >>> 2);
    }
    while ((i - wordsStart) & 3) if (VERBATIM[b[i++]!] !== 1) return false;
    const last = (end - wordsStart) >>> 2;
    for (let w = (i - wordsStart) >>> 2; w < last; w++) {
      const v = words[w]!;
      const x = v ^ 0x5c5c5c5c;
      // A byte < 0x20, a byte >= 0x80, or a 0x5c byte sets that byte's top bit here.
      if ((((v - 0x20202020) & ~v) | v | ((x - 0x01010101) & ~x)) & 0x80808080) return false;
    }
    i = wordsStart + last * 4;
  }
  for (; i < end; i++) if (VERBATIM[b[i]!] !== 1) return false;
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** A JSON number or `null` at `p` → position after it, `token.num` set. */
export function scanNullableNumber(b: Buffer, p: number, end: number): number {
  if (b[p] === 0x6e) {
    if (p + 4 > end) return INCOMPLETE;
    if (b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) return FAIL;
    token.num = null;
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
  if (simple) token.num = b[p] === 0x2d ? -value : value;
  else token.num = Number(b.toString('latin1', p, i));
  return i;
}
