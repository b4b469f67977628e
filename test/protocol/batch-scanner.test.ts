/**
 * The batch scanner reads `processRecords` lines from the Buffers they arrive in. What
 * it accepts must be exactly what `JSON.parse` + the exact checks accept, with
 * the same values, however the line is cut into chunks; what it declines goes to the
 * general parser, so declining is always safe, but it must not decline the daemon's own
 * lines (that is where the memory is saved).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyRecord } from '../../src/engine/record.js';
import { scanProcessRecords } from '../../src/protocol/batch-scanner.js';
import { NOT_EXACT, parseExactLine } from '../../src/protocol/exact-parse.js';
import { SpanRecord } from '../../src/protocol/span-record.js';
import type { ProcessRecordsMessage } from '../../src/protocol/types.js';
import { anyValue, extraKey, numberValue, recordPairs } from './arbitraries.js';

/** The line as the reader decodes it for the general path. */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** What the general path makes of the line: the message, or undefined when it would not take the fast path. */
function general(bytes: Buffer): ProcessRecordsMessage | undefined {
  const text = decode(bytes);
  let exact;
  try {
    exact = parseExactLine(text);
  } catch {
    return undefined;
  }
  if (exact === NOT_EXACT || exact === undefined || exact.action !== 'processRecords' || 'unknown' in exact) return undefined;
  return exact as ProcessRecordsMessage;
}

/** A scanned message as data, to compare with `JSON.parse`'s. */
function dataOf(message: ProcessRecordsMessage): unknown {
  return { ...message, records: message.records.map((r) => (r instanceof SpanRecord ? r.toJSON() : r)) };
}

function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    if (p > from) parts.push(Buffer.from(bytes.subarray(from, p))); // copies: each part its own memory, as read chunks are
    from = Math.max(from, p);
  }
  if (from < bytes.length || parts.length === 0) parts.push(Buffer.from(bytes.subarray(from)));
  return parts;
}

function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return parts;
}

const space = fc.constantFrom('', '', '', '', ' ', '\t', ' \r ', '  ');

/** A record as JSON text with whitespace anywhere JSON allows it; `duplicate` says whether a key repeats. */
const record = fc.tuple(recordPairs, fc.array(space, { minLength: 40, maxLength: 40 })).map(([{ pairs, repeated }, spaces]) => {
  let s = 0;
  const w = () => spaces[s++ % spaces.length]!;
  const text = `{${w()}${pairs.map(([k, v]) => `${JSON.stringify(k)}${w()}:${w()}${v}`).join(`${w()},${w()}`)}${w()}}`;
  return { text, duplicate: repeated };
});

const line = fc
  .record({
    records: fc.array(fc.oneof({ weight: 12, arbitrary: record }, { weight: 1, arbitrary: anyValue.map((text) => ({ text, duplicate: false })) }), { maxLength: 5 }),
    behind: fc.option(numberValue, { freq: 3 }),
    actionFirst: fc.boolean(),
    action: fc.oneof({ weight: 10, arbitrary: fc.constant('"processRecords"') }, { weight: 1, arbitrary: fc.constantFrom('"checkpoint"', '"processrecords"', 'null', '"process\\u0052ecords"') }),
    extra: fc.option(fc.tuple(extraKey, anyValue), { freq: 1 }),
    spaces: fc.array(space, { minLength: 12, maxLength: 12 }),
  })
  .map(({ records, behind, actionFirst, action, extra, spaces }) => {
    let s = 0;
    const w = () => spaces[s++ % spaces.length]!;
    const fields = [`"records"${w()}:${w()}[${w()}${records.map((r) => r.text).join(`${w()},${w()}`)}${w()}]`];
    const act = `"action"${w()}:${w()}${action}`;
    if (actionFirst) fields.unshift(act);
    else fields.push(act);
    if (behind !== null) fields.push(`"millisBehindLatest":${w()}${behind}`);
    if (extra !== null) fields.push(`${JSON.stringify(extra[0])}:${extra[1]}`);
    return {
      bytes: Buffer.from(`${w()}{${w()}${fields.join(`${w()},${w()}`)}${w()}}${w()}`, 'utf8'),
      // Valid JSON the scanner may leave to the general parser: a repeated key, an escaped action.
      mayDecline: records.some((r) => r.duplicate) || action.includes('\\'),
    };
  });

describe('scanProcessRecords accepts exactly what JSON.parse + the exact checks accept, with the same values', () => {
  it('for generated batches, cut into chunks anywhere', () => {
    fc.assert(
      fc.property(line, fc.array(fc.nat(), { maxLength: 12 }), ({ bytes, mayDecline }, points) => {
        const expected = general(bytes);
        const whole = scanProcessRecords([bytes]);
        const parts = scanProcessRecords(cut(bytes, points));
        if (whole !== undefined) {
          expect(expected).toBeDefined();
          expect(dataOf(whole)).toEqual(expected);
        } else if (expected !== undefined) {
          expect(mayDecline).toBe(true);
        }
        expect(parts === undefined ? undefined : dataOf(parts)).toEqual(whole === undefined ? undefined : dataOf(whole));
      }),
      { numRuns: 4000 },
    );
  });

  it('for lines broken byte by byte (control bytes, quotes, backslashes, high bytes, structure)', () => {
    const base = Buffer.from(
      '{"action":"processRecords","records":[' +
        `{"data":"${Buffer.alloc(80, 1).toString('base64')}","partitionKey":"pk-1","sequenceNumber":"49680506238935635828585946074261372754317627171461398530","approximateArrivalTimestamp":1795480728743,"subSequenceNumber":0,"action":"record"},` +
        '{"data":"QUJD","partitionKey":"p","sequenceNumber":"2","subSequenceNumber":null,"approximateArrivalTimestamp":null}' +
        '],"millisBehindLatest":12}',
    );
    expect(scanProcessRecords([base])).toBeDefined();
    const bytes = fc.constantFrom(0x00, 0x0a, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0xc3, 0xff, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x6e, 0x30, 0x2d, 0x2e, 0x65, 0x41, 0x75);
    const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('replace', 'insert', 'delete'), byte: bytes });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (edits, points) => {
        let b = Buffer.from(base);
        for (const { at, kind, byte } of edits) {
          const i = at % (b.length + (kind === 'insert' ? 1 : 0));
          if (kind === 'replace' && i < b.length) b[i] = byte;
          else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
          else if (kind === 'delete' && b.length > 1) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
        }
        const scanned = scanProcessRecords(cut(b, points));
        if (scanned !== undefined) expect(dataOf(scanned)).toEqual(general(b));
      }),
      { numRuns: 20000 },
    );
  });

  it('reads every batch the real daemon sent in the recorded transcripts, in one piece, byte by byte and in 64 KiB chunks', () => {
    const dir = path.join(import.meta.dirname, '..', 'transcripts', 'real');
    let lines = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
      for (const row of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
        if (!row.includes('processRecords')) continue;
        const entry = JSON.parse(row) as { dir?: string; line?: string };
        if (entry.dir !== 'to_child' || entry.line === undefined || !entry.line.includes('"processRecords"')) continue;
        const bytes = Buffer.from(entry.line, 'utf8');
        const expected = JSON.parse(entry.line) as unknown;
        for (const parts of [[bytes], chunksOf(bytes, 1), chunksOf(bytes, 65536)]) {
          const scanned = scanProcessRecords(parts);
          expect(scanned, `${file}: ${entry.line.slice(0, 60)}`).toBeDefined();
          expect(dataOf(scanned!)).toEqual(expected);
        }
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(20);
  });

  it('reads a maximal batch (10,000 x 1,000 B) in 64 KiB chunks', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      data: Buffer.alloc(1000, i % 251).toString('base64'),
      partitionKey: `pk-${i}`,
      sequenceNumber: `4968050623893563582858594607426137275431762717146${String(i).padStart(7, '0')}`,
      approximateArrivalTimestamp: 1795480728743 + i,
      subSequenceNumber: 0,
      action: 'record',
    }));
    const text = JSON.stringify({ action: 'processRecords', records, millisBehindLatest: 0 });
    const parts = chunksOf(Buffer.from(text), 65536);
    const scanned = scanProcessRecords(parts)!;
    expect(scanned.records).toHaveLength(10_000);
    expect(dataOf(scanned)).toEqual(JSON.parse(text));
    expect(new LazyRecord(scanned.records[9_999]!).data.equals(Buffer.alloc(1000, 9_999 % 251))).toBe(true);
  });

  it('puts together a record far larger than a chunk (1 MB of data across 22 chunks)', () => {
    const big = Buffer.alloc(1_000_000, 7).toString('base64');
    const text = `{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"a","sequenceNumber":"1"},{"data":"${big}","partitionKey":"b","sequenceNumber":"2"}]}`;
    const scanned = scanProcessRecords(chunksOf(Buffer.from(text), 65536))!;
    expect(scanned).toBeDefined();
    expect(scanned.records[1]!.data).toBe(big);
    expect(new LazyRecord(scanned.records[1]!).data.equals(Buffer.alloc(1_000_000, 7))).toBe(true);
  });

  it('declines other actions, empty input and truncated lines', () => {
    for (const text of ['', '   ', '{"action":"checkpoint","sequenceNumber":"1"}', '{"action":"initialize","shardId":"s"}', '{"records":[]}', '{"action":"processRecords"}', '{"action":"processRecords","records":[]', '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1"}],"millisBehindLatest":1']) {
      expect(scanProcessRecords([Buffer.from(text)]), text).toBeUndefined();
    }
    expect(scanProcessRecords([Buffer.from('{"action":"processRecords","records":[]}')])).toEqual({ action: 'processRecords', records: [] });
  });
});

describe('SpanRecord', () => {
  it('stringifies and spreads like the wire object, with no internals', () => {
    const text = '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p\\u00e9","sequenceNumber":"1","subSequenceNumber":null,"action":"record"}]}';
    const wire = scanProcessRecords([Buffer.from(text)])!.records[0]!;
    const expected = JSON.parse(text).records[0];
    expect(JSON.parse(JSON.stringify(wire))).toEqual(expected);
    expect(JSON.parse(JSON.stringify(new LazyRecord(wire)))).toEqual(expected);
    expect(new LazyRecord(wire).toJSON()).toEqual(expected);
    expect(Object.keys(wire).sort()).toEqual(['action', 'approximateArrivalTimestamp', 'subSequenceNumber'].sort());
    expect(wire.partitionKey).toBe('pé');
  });
});
