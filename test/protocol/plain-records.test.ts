/**
 * The hot path's check for `processRecords` (`isPlainProcessRecords` /
 * `isPlainWireRecord` in src/protocol/parse.ts) must accept exactly what the zod schemas
 * accept, with zod's output equal to the input: the schemas stay the single declaration
 * of the wire format. Lines are generated as JSON text so number edge cases (1e999,
 * 2^53 + 1, 1.5, -0, exponents) reach JSON.parse as the daemon's text would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyValue, extraKey, lineText, numberValue, recordOrNot, stringValue } from './arbitraries.js';
import { isPlainWireRecord, parseLine } from '../../src/protocol/parse.js';
import { NOT_PLAIN, PLAIN_ACTIONS, parsePlainLine } from '../../src/protocol/plain.js';
import {
  CheckpointReplySchema,
  InitializeSchema,
  KNOWN_ACTIONS,
  LeaseLostSchema,
  LegacyShutdownSchema,
  ProcessRecordsSchema,
  RecordSchema,
  ShardEndedSchema,
  ShutdownRequestedSchema,
} from '../../src/protocol/types.js';

function zodOnly(line: string): { ok: true; data: unknown } | { ok: false } {
  const result = ProcessRecordsSchema.safeParse(JSON.parse(line));
  return result.success ? { ok: true, data: result.data } : { ok: false };
}

describe('the processRecords fast check and the zod schemas accept and reject the same inputs', () => {
  it('isPlainWireRecord(x) implies RecordSchema accepts x and outputs x; RecordSchema accepting x with only its keys implies isPlainWireRecord(x)', () => {
    fc.assert(
      fc.property(recordOrNot, (text) => {
        const value: unknown = JSON.parse(text);
        const zod = RecordSchema.safeParse(value);
        const fast = isPlainWireRecord(value);
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

const SCHEMAS = {
  initialize: InitializeSchema,
  leaseLost: LeaseLostSchema,
  shardEnded: ShardEndedSchema,
  shutdownRequested: ShutdownRequestedSchema,
  shutdown: LegacyShutdownSchema,
  checkpoint: CheckpointReplySchema,
} as const;

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
  it('know the same actions as the schemas', () => {
    expect([...PLAIN_ACTIONS].sort()).toEqual([...KNOWN_ACTIONS].sort());
  });

  it('accept a message only when its schema accepts it and outputs it unchanged; accept every schema-valid message with only known keys', () => {
    fc.assert(
      fc.property(otherMessage, ({ action, line }) => {
        const value = JSON.parse(line) as object;
        const zod = SCHEMAS[action].safeParse(value);
        const plain = parsePlainLine(line);
        if (plain !== NOT_PLAIN) {
          expect(zod.success).toBe(true);
          expect(zod.data).toEqual(plain);
          expect(plain).toEqual(value);
        }
        const onlyKnownKeys = Object.keys(value).every((k) => k in SCHEMAS[action].shape);
        if (zod.success && onlyKnownKeys) expect(plain).not.toBe(NOT_PLAIN);
        if (!zod.success) {
          expect(plain).toBe(NOT_PLAIN);
          expect(() => parseLine(line)).toThrow(new RegExp(`^${action}: field "`));
        } else {
          expect(parseLine(line)).toEqual(zod.data);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('leave bad JSON, non-objects and a missing or non-string action to parseLine; answer unknown actions as unknown', () => {
    for (const line of ['{oops', '[]', '"x"', '{}', '{"action":5}', '{"action":null}']) expect(parsePlainLine(line)).toBe(NOT_PLAIN);
    expect(parsePlainLine('   ')).toBeUndefined();
    expect(parsePlainLine('{"action":"rebalance","x":1}')).toEqual({ action: 'rebalance', unknown: true });
    expect(parseLine('{"action":"rebalance","x":1}')).toEqual({ action: 'rebalance', unknown: true });
  });
});
