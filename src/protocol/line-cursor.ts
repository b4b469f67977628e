/**
 * A position in a line that arrived as several Buffers. Scan functions read tokens at
 * it from the Buffer it stands in; a token cut by the end of a Buffer is put together in
 * a scratch Buffer and scanned there, and the cursor moves on past it into the Buffer
 * where it ends. The line itself is never joined.
 */
import { FAIL, INCOMPLETE, skipWs, type Scan } from './json-tokenizer.js';

/** Where a token that crossed Buffers is put together (reused: nothing keeps it). */
let scratch = Buffer.alloc(0);

/** A position in the line's Buffers. */
export class LineCursor {
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
      // JSON whitespace, spelled out: the tokenizer's table, imported, is not folded to a constant.
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
      this.p = skipWs(this.b, this.p, this.b.length);
    }
  }

  /**
   * Runs a scan at the cursor (which must be at a byte); a token cut by a Buffer's end is
   * put together in `scratch` first, and `keep` copies it out of there for spans that
   * must outlive the next token.
   */
  step(scan: Scan, keep: boolean): boolean {
    const r = scan(this.b, this.p, this.b.length);
    if (r >= 0) {
      this.tokenBytes = this.b;
      this.p = r;
      return true;
    }
    return r === INCOMPLETE && this.bridge(scan, keep);
  }

  private bridge(scan: Scan, keep: boolean): boolean {
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
}
