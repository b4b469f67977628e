/**
 * The hot path's exact checks (src/protocol/exact-parse.ts, built from the field table)
 * must accept exactly what the zod schemas accept, with zod's output equal to the input:
 * a line they pass skips zod. Lines are generated as JSON text so number edge cases
 * (1e999, 2^53 + 1, 1.5, -0, exponents) reach JSON.parse as the daemon's text would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyValue, extraKey, lineText, numberValue, recordOrNot, stringValue } from './arbitraries.js';
import { parseLine } from '../../src/protocol/parse.js';
import { NOT_EXACT, isExactMessage, parseExactLine } from '../../src/protocol/exact-parse.js';
import { DAEMON_SCHEMAS } from '../../src/protocol/types.js';

const ProcessRecordsSchema = DAEMON_SCHEMAS.processRecords;
const RecordSchema = ProcessRecordsSchema.shape.records.element;
/** The record check, as the batch check sees one record. */
const isExactRecord = (value: unknown): boolean => isExactMessage({ action: 'processRecords', records: [value] });

function zodOnly(line: string): { ok: true; data: unknown } | { ok: false } {
  const result = ProcessRecordsSchema.safeParse(JSON.parse(line));
  return result.success ? { ok: true, data: result.data } : { ok: false };
}

describe('the processRecords fast check and the zod schemas accept and reject the same inputs', () => {
  it('the record check passing x implies RecordSchema accepts x and outputs x; RecordSchema accepting x with only its keys implies the check passes', () => {
    fc.assert(
      fc.property(recordOrNot, (text) => {
        const value: unknown = JSON.parse(text);
        const zod = RecordSchema.safeParse(value);
        const fast = isExactRecord(value);
        if (fast) {
          expect(zod.success).toBe(true);
          expect(zod.data).toEqual(value);
        }
        const onlyKnownKeys =
          value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).every((k) => k in RecordSchema.shape);
        if (zod.success && onlyKnownKeys) expect(fast).toBe(true);
        if (!zod.success) expect(fast).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('parseLine accepts exactly the processRecords lines zod accepts, with the same result, and rejects the rest naming the action', () => {
    fc.assert(
      fc.property(lineText, (line) => {
        const expected = zodOnly(line);
        if (expected.ok) {
          expect(parseLine(line)).toEqual(expected.data);
        } else {
          expect(() => parseLine(line)).toThrow(/^processRecords: field "/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('covers both outcomes and the edge cases by example', () => {
    const ok = '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1","approximateArrivalTimestamp":1732400000000,"subSequenceNumber":0,"action":"record"}],"millisBehindLatest":0}';
    expect(parseLine(ok)).toEqual(JSON.parse(ok));
    const bad = [
      ['"subSequenceNumber":1.5', 'records[0].subSequenceNumber'],
      ['"subSequenceNumber":9007199254740993', 'records[0].subSequenceNumber'],
      ['"approximateArrivalTimestamp":1e999', 'records[0].approximateArrivalTimestamp'],
      ['"action":"RECORD"', 'records[0].action'],
      ['"data":null', 'records[0].data'],
    ] as const;
    for (const [field, path] of bad) {
      const line = `{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1",${field}}]}`;
      expect(() => parseLine(line)).toThrow(`processRecords: field "${path}"`);
    }
    // An extra key is not an error: zod strips it (the slow path), the result has the known keys only.
    expect(parseLine('{"action":"processRecords","records":[{"data":"","partitionKey":"p","sequenceNumber":"1","explicitHashKey":"9"}],"x":1}')).toEqual({
      action: 'processRecords',
      records: [{ data: '', partitionKey: 'p', sequenceNumber: '1' }],
    });
  });
});

const { processRecords: _, ...SCHEMAS } = DAEMON_SCHEMAS;

const otherMessage = fc
  .record({
    action: fc.constantFrom(...(Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[])),
    shardId: fc.option(stringValue, { freq: 2 }),
    sequenceNumber: fc.option(fc.oneof(stringValue, fc.constantFrom('"TRIM_HORIZON"', 'null')), { freq: 2 }),
    subSequenceNumber: fc.option(numberValue, { freq: 2 }),
    error: fc.option(fc.oneof(fc.constantFrom('"ThrottlingException"', 'null'), anyValue), { freq: 2 }),
    reason: fc.option(fc.oneof(fc.constantFrom('"TERMINATE"', '"ZOMBIE"', '"REQUESTED"'), anyValue), { freq: 2 }),
    extra: fc.option(fc.tuple(extraKey, anyValue), { freq: 1 }),
  })
  .map(({ action, extra, ...fields }) => {
    const pairs = Object.entries(fields).filter((e): e is [string, string] => e[1] !== null);
    if (extra !== null) pairs.push(extra);
    return { action, line: `{"action":"${action}"${pairs.map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('')}}` };
  });

describe('the zod-free checks for every other daemon message (the stream reader never loads zod for good input)', () => {
  it('know the actions the schemas know, and answer any other as unknown', () => {
    for (const action of Object.keys(DAEMON_SCHEMAS)) expect(parseExactLine(JSON.stringify({ action }))).not.toHaveProperty('unknown');
    for (const action of ['rebalance', 'status', 'record', 'constructor']) expect(parseExactLine(JSON.stringify({ action }))).toEqual({ action, unknown: true });
  });

  it('accept a message only when its schema accepts it and outputs it unchanged; accept every schema-valid message with only known keys', () => {
    fc.assert(
      fc.property(otherMessage, ({ action, line }) => {
        const value = JSON.parse(line) as object;
        const zod = SCHEMAS[action].safeParse(value);
        const exact = parseExactLine(line);
        if (exact !== NOT_EXACT) {
          expect(zod.success).toBe(true);
          expect(zod.data).toEqual(exact);
          expect(exact).toEqual(value);
        }
        const onlyKnownKeys = Object.keys(value).every((k) => k in SCHEMAS[action].shape);
        if (zod.success && onlyKnownKeys) expect(exact).not.toBe(NOT_EXACT);
        if (!zod.success) {
          expect(exact).toBe(NOT_EXACT);
          expect(() => parseLine(line)).toThrow(new RegExp(`^${action}: field "`));
        } else {
          expect(parseLine(line)).toEqual(zod.data);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('leave bad JSON, non-objects and a missing or non-string action to parseLine; answer unknown actions as unknown', () => {
    for (const line of ['{oops', '[]', '"x"', '{}', '{"action":5}', '{"action":null}']) expect(parseExactLine(line)).toBe(NOT_EXACT);
    expect(parseExactLine('   ')).toBeUndefined();
    expect(parseExactLine('{"action":"rebalance","x":1}')).toEqual({ action: 'rebalance', unknown: true });
    expect(parseLine('{"action":"rebalance","x":1}')).toEqual({ action: 'rebalance', unknown: true });
  });
});

describe('an enumerable key on Object.prototype (some library put it there)', () => {
  it('makes the exact checks leave every line to zod: it would be a key every record seems to have', () => {
    const line = '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1"}]}';
    expect(parseExactLine(line)).toEqual(JSON.parse(line));
    Object.defineProperty(Object.prototype, 'action', { value: 'record', enumerable: true, configurable: true, writable: true });
    try {
      expect(parseExactLine(line)).toBe(NOT_EXACT);
      expect(parseExactLine('{"action":"leaseLost"}')).toBe(NOT_EXACT);
    } finally {
      delete (Object.prototype as { action?: unknown }).action;
    }
    expect(parseExactLine(line)).toEqual(JSON.parse(line));
  });
});
