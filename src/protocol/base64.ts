/**
 * Base64 decoding where the text lies. A batch's payloads are base64 inside the Buffers
 * the line was read into; decoding them in place (3 bytes written behind every 4 read)
 * needs no string per record and no new Buffer, so a batch costs its line and nothing
 * more. Only canonical text (what the daemon's encoder writes: the standard alphabet,
 * `=` padding, zero bits after the last byte) is decoded here, because only then does
 * re-encoding give the text back exactly; for anything else the bytes are left as they
 * were and the caller decodes the lenient way, as `Buffer.from(text, 'base64')` does.
 */

const INVALID = 0x80;
/** Base64 value of each byte; `INVALID` for bytes outside the standard alphabet (`=` included). */
const VALUE = new Uint8Array(256).fill(INVALID);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/**
 * Decodes the canonical base64 text in `b[start, end)` into `b[start, …)` and returns
 * where the bytes end; returns -1, with `b` unchanged, when the text is not canonical.
 */
export function decodeBase64InPlace(b: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return start;
  if ((length & 3) !== 0) return -1;
  const last = end - 4;
  let i = start;
  let o = start;
  for (; i < last; i += 4) {
    const c0 = VALUE[b[i]!]!;
    const c1 = VALUE[b[i + 1]!]!;
    const c2 = VALUE[b[i + 2]!]!;
    const c3 = VALUE[b[i + 3]!]!;
    if ((c0 | c1 | c2 | c3) & INVALID) return undo(b, start, o);
    b[o++] = (c0 << 2) | (c1 >> 4);
    b[o++] = ((c1 & 15) << 4) | (c2 >> 2);
    b[o++] = ((c2 & 3) << 6) | c3;
  }
  const c0 = VALUE[b[i]!]!;
  const c1 = VALUE[b[i + 1]!]!;
  if ((c0 | c1) & INVALID) return undo(b, start, o);
  if (b[i + 3] === PAD) {
    if (b[i + 2] === PAD) {
      if (c1 & 15) return undo(b, start, o); // bits after the last byte must be zero
      b[o++] = (c0 << 2) | (c1 >> 4);
      return o;
    }
    const c2 = VALUE[b[i + 2]!]!;
    if (c2 & (INVALID | 3)) return undo(b, start, o);
    b[o++] = (c0 << 2) | (c1 >> 4);
    b[o++] = ((c1 & 15) << 4) | (c2 >> 2);
    return o;
  }
  const c2 = VALUE[b[i + 2]!]!;
  const c3 = VALUE[b[i + 3]!]!;
  if ((c2 | c3) & INVALID) return undo(b, start, o);
  b[o++] = (c0 << 2) | (c1 >> 4);
  b[o++] = ((c1 & 15) << 4) | (c2 >> 2);
  b[o++] = ((c2 & 3) << 6) | c3;
  return o;
}

/** Puts back the text of the whole quanta already decoded (they re-encode to exactly what they were). */
function undo(b: Buffer, start: number, decodedEnd: number): number {
  if (decodedEnd > start) b.write(b.toString('base64', start, decodedEnd), start, 'latin1');
  return -1;
}
