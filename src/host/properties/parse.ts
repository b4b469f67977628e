/**
 * A `.properties` reader that follows java.util.Properties.load(Reader/InputStream)
 * exactly, and remembers on which line each entry started.
 *
 * Rules (as the JDK's LineReader and load0 implement them):
 * - Natural lines end with `\n`, `\r` or `\r\n`. Leading space, tab and form feed of a
 *   natural line are skipped; blank lines are skipped.
 * - A line whose first non-blank character is `#` or `!` is a comment (only at the start
 *   of a logical line; a comment line never continues onto the next one).
 * - A line ending in an odd number of backslashes continues on the next natural line; the
 *   backslash and the next line's leading whitespace are dropped. At end of input a
 *   dangling backslash is dropped.
 * - The key ends at the first unescaped `=`, `:`, space, tab or form feed. Whitespace
 *   after the key is skipped, then at most one `=` or `:` (if the key did not already end
 *   at one), then whitespace. The rest of the line is the value — trailing whitespace kept.
 * - In keys and values `\t \n \r \f` and `\uXXXX` are decoded, `\` before any other
 *   character stands for that character, a malformed `\u` is an error.
 * - The last occurrence of a key wins.
 *
 * `Properties.load(InputStream)` — what the MultiLangDaemon uses — decodes bytes as
 * ISO-8859-1, so `parsePropertiesBuffer` does the same.
 */
export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line on which the logical line (the key) starts. */
  line: number;
  /** 1-based line on which the logical line ends (differs after `\` continuations). */
  endLine: number;
}

export interface ParsedProperties {
  /** Every entry in file order, duplicates included. */
  entries: PropertyEntry[];
  /** What java.util.Properties would hold: the last entry per key. */
  map: Map<string, PropertyEntry>;
}

export class PropertiesSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'PropertiesSyntaxError';
  }
}

interface LogicalLine {
  chars: string;
  line: number;
  endLine: number;
}

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\f';

/** Split text into logical lines the way java.util.Properties.LineReader does. */
function* logicalLines(text: string): Generator<LogicalLine> {
  let i = 0;
  let lineNo = 1;
  const n = text.length;
  let buf = '';
  let start = 1;
  let skipWhiteSpace = true;
  let appendedLineBegin = false;
  let precedingBackslash = false;

  while (true) {
    if (i >= n) {
      if (buf.length === 0) return;
      yield { chars: precedingBackslash ? buf.slice(0, -1) : buf, line: start, endLine: lineNo };
      return;
    }
    const c = text[i++]!;
    if (skipWhiteSpace) {
      if (isBlank(c)) continue;
      if (!appendedLineBegin && (c === '\r' || c === '\n')) {
        if (c === '\n' || text[i] !== '\n') lineNo++;
        continue;
      }
      skipWhiteSpace = false;
      appendedLineBegin = false;
    }
    if (buf.length === 0) {
      start = lineNo;
      if (c === '#' || c === '!') {
        // Comment: consume to the end of the natural line (the terminator is then seen
        // as a blank line's and skipped).
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
        skipWhiteSpace = true;
        continue;
      }
    }
    if (c !== '\n' && c !== '\r') {
      buf += c;
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      continue;
    }
    // End of a natural line.
    const crlf = c === '\r' && text[i] === '\n';
    if (buf.length === 0) {
      // Only reachable after a continuation that left nothing (a lone "\" line).
      skipWhiteSpace = true;
      if (!crlf) lineNo++;
      continue;
    }
    if (i >= n) {
      yield { chars: precedingBackslash ? buf.slice(0, -1) : buf, line: start, endLine: lineNo };
      return;
    }
    if (precedingBackslash) {
      buf = buf.slice(0, -1);
      skipWhiteSpace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
      if (crlf) i++;
      lineNo++;
    } else {
      yield { chars: buf, line: start, endLine: lineNo };
      // Leave the terminator's line counting to the skip-whitespace branch: the JDK
      // treats the rest of a "\r\n" as an empty line, which we count once.
      if (crlf) i++;
      lineNo++;
      buf = '';
      skipWhiteSpace = true;
      appendedLineBegin = false;
    }
  }
}

function loadConvert(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    let c = s[i++]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    if (i >= s.length) break; // unreachable for lines the reader produces
    c = s[i++]!;
    if (c === 'u') {
      const hex = s.slice(i, i + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new PropertiesSyntaxError('Malformed \\uxxxx encoding.', line);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (c === 't') out += '\t';
    else if (c === 'r') out += '\r';
    else if (c === 'n') out += '\n';
    else if (c === 'f') out += '\f';
    else out += c;
  }
  return out;
}

function splitLine(l: LogicalLine): PropertyEntry {
  const s = l.chars;
  const limit = s.length;
  let keyLen = 0;
  let valueStart = limit;
  let hasSep = false;
  let precedingBackslash = false;
  while (keyLen < limit) {
    const c = s[keyLen]!;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyLen + 1;
      hasSep = true;
      break;
    } else if (isBlank(c) && !precedingBackslash) {
      valueStart = keyLen + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyLen++;
  }
  while (valueStart < limit) {
    const c = s[valueStart]!;
    if (!isBlank(c)) {
      if (!hasSep && (c === '=' || c === ':')) hasSep = true;
      else break;
    }
    valueStart++;
  }
  return {
    key: loadConvert(s.slice(0, keyLen), l.line),
    value: loadConvert(s.slice(valueStart), l.line),
    line: l.line,
    endLine: l.endLine,
  };
}

/** Parse properties text (already decoded). Throws PropertiesSyntaxError on a bad `\u`. */
export function parseProperties(text: string): ParsedProperties {
  const entries: PropertyEntry[] = [];
  const map = new Map<string, PropertyEntry>();
  for (const l of logicalLines(text)) {
    const e = splitLine(l);
    entries.push(e);
    map.set(e.key, e);
  }
  return { entries, map };
}

/** Parse file bytes the way Properties.load(InputStream) does: ISO-8859-1. */
export function parsePropertiesBuffer(bytes: Uint8Array): ParsedProperties {
  return parseProperties(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}
