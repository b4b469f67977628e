/**
 * The field table (src/protocol/fields.ts) and the zod schemas (src/protocol/types.ts)
 * say the same thing, key for key, both ways: every key of every schema is in the
 * table with the same type, nullability and presence, and every key of the table is in
 * a schema. The zod-free readers go by the table, zod by the schemas; a key added to
 * one side only fails here. The readers are then shown to take their keys from the
 * table: given another table, they read by it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { CHILD_MESSAGES, DAEMON_MESSAGES, RECORD_FIELDS, type Field, type Fields, type WireType } from '../../src/protocol/fields.js';
import { checkpointMessage, serializeMessage, statusMessage } from '../../src/protocol/serialize.js';
import { CHILD_SCHEMAS, DAEMON_SCHEMAS } from '../../src/protocol/types.js';
import { makeRecord } from '../../src/testing/builders.js';

/** What the table would say of a field, read off its zod schema. */
interface Described {
  type: WireType | { records: { [key: string]: Described } };
  nullable: boolean;
  required: boolean;
}

function describeField(schema: z.ZodType): Described {
  let s: z.ZodType = schema;
  let required = true;
  let nullable = false;
  for (;;) {
    if (s instanceof z.ZodOptional) required = false;
    else if (s instanceof z.ZodNullable) nullable = true;
    else break;
    s = (s as z.ZodOptional<z.ZodType> | z.ZodNullable<z.ZodType>).unwrap();
  }
  return { type: wireType(s), nullable, required };
}

function wireType(s: z.ZodType): Described['type'] {
  const checks = (s.def as { checks?: { _zod: { def: { check: string; format?: string } } }[] }).checks ?? [];
  const formats = checks.map((c) => (c._zod.def.check === 'number_format' ? c._zod.def.format : c._zod.def.check));
  if (s instanceof z.ZodString && formats.length === 0) return 'string';
  if (s instanceof z.ZodNumber && formats.length === 0) return 'number';
  if (s instanceof z.ZodNumber && formats.join() === 'safeint') return 'integer';
  if (s instanceof z.ZodLiteral) return [...s.values].map(String);
  if (s instanceof z.ZodEnum) return s.options.map(String);
  if (s instanceof z.ZodArray && s.element instanceof z.ZodObject) return { records: describeObject(s.element) };
  throw new Error(`a schema the field table has no word for: ${s.def.type} with checks [${formats.join(', ')}]`);
}

function describeObject(schema: z.ZodObject): { [key: string]: Described } {
  return Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, describeField(field as z.ZodType)]));
}

/** The table's word for a field, as `describeField` puts it (records spelled out). */
function fromTable(f: Field): Described {
  return { type: f.type === 'records' ? { records: tableObject(RECORD_FIELDS) } : f.type, nullable: f.nullable, required: f.required };
}

function tableObject(fields: Fields, action?: string): { [key: string]: Described } {
  const out: { [key: string]: Described } = action === undefined ? {} : { action: { type: [action], nullable: false, required: true } };
  for (const [key, f] of Object.entries(fields)) out[key] = fromTable(f);
  return out;
}

const isStrict = (schema: z.ZodObject): boolean => schema.def.catchall instanceof z.ZodNever;

describe('the field table and the zod schemas say the same, both ways', () => {
  it('has the same daemon actions', () => {
    expect(Object.keys(DAEMON_MESSAGES).sort()).toEqual(Object.keys(DAEMON_SCHEMAS).sort());
  });

  it.each(Object.keys(DAEMON_SCHEMAS))('daemon → child %s: the same keys, types, nullability and presence (records included)', (action) => {
    const schema = DAEMON_SCHEMAS[action as keyof typeof DAEMON_SCHEMAS];
    const fields: Fields = DAEMON_MESSAGES[action as keyof typeof DAEMON_MESSAGES];
    expect(describeObject(schema)).toEqual(tableObject(fields, action));
    expect(Object.values(fields).some((f) => f.ignored)).toBe(false); // `ignored` is a child-message word
    expect(isStrict(schema)).toBe(false); // a newer daemon's extra key is stripped, not an error
  });

  it('has the same child actions', () => {
    expect(Object.keys(CHILD_MESSAGES).sort()).toEqual(Object.keys(CHILD_SCHEMAS).sort());
  });

  it.each(Object.keys(CHILD_SCHEMAS))('child → daemon %s: the schema has every key the table does not mark ignored, always written, with the same type and nullability', (action) => {
    const schema = CHILD_SCHEMAS[action as keyof typeof CHILD_SCHEMAS];
    const fields: Fields = CHILD_MESSAGES[action as keyof typeof CHILD_MESSAGES];
    const written = Object.fromEntries(Object.entries(fields).filter(([, f]) => !f.ignored));
    // The table says what the Java side accepts (a missing key reads as null); the schema what this child writes: every key.
    const expected = Object.fromEntries(Object.entries(tableObject(written, action)).map(([key, d]) => [key, { ...d, required: true }]));
    expect(describeObject(schema)).toEqual(expected);
    expect(isStrict(schema)).toBe(true);
  });
});

describe('what writes the wire follows the table', () => {
  it('serializeMessage writes each child message with the keys the table does not mark ignored, in its order', () => {
    for (const message of [statusMessage('initialize'), checkpointMessage('1', 2), checkpointMessage(null, null)]) {
      const fields: Fields = CHILD_MESSAGES[message.action];
      const keys = Object.keys(JSON.parse(serializeMessage(message)) as object);
      expect(keys).toEqual(['action', ...Object.keys(fields).filter((key) => !fields[key]!.ignored)]);
    }
  });

  it('makeRecord writes every record key, in the table’s order (the daemon’s)', () => {
    expect(Object.keys(makeRecord({ sequenceNumber: '1' }))).toEqual(Object.keys(RECORD_FIELDS));
  });
});

describe('the zod-free readers take their keys from the table', () => {
  afterEach(() => {
    vi.doUnmock('../../src/protocol/fields.js');
    vi.resetModules();
  });

  /** The tables, editable. */
  interface Tables {
    RECORD_FIELDS: { [key: string]: Field };
    DAEMON_MESSAGES: { [action: string]: { [key: string]: Field } };
    CHILD_MESSAGES: { [action: string]: { [key: string]: Field } };
  }

  /** Loads `module` afresh, its imports seeing the real tables with `edit` applied. */
  async function withTable<T>(edit: (t: Tables) => void, module: string): Promise<T> {
    vi.resetModules();
    vi.doMock('../../src/protocol/fields.js', async (importOriginal) => {
      const real = await importOriginal<typeof import('../../src/protocol/fields.js')>();
      const t = structuredClone({ RECORD_FIELDS: real.RECORD_FIELDS, DAEMON_MESSAGES: real.DAEMON_MESSAGES, CHILD_MESSAGES: real.CHILD_MESSAGES }) as unknown as Tables;
      edit(t);
      return { ...real, ...t };
    });
    return (await import(module)) as T;
  }

  const line = '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1","explicitHashKey":"7"}]}';
  const hashKey: Field = { type: 'string', nullable: false, required: false, ignored: false };

  it('the exact checks accept a record key the table gains (and refuse it without)', async () => {
    const real = await import('../../src/protocol/exact-parse.js');
    expect(real.parseExactLine(line)).toBe(real.NOT_EXACT);
    const edited = await withTable<typeof real>((t) => (t.RECORD_FIELDS.explicitHashKey = hashKey), '../../src/protocol/exact-parse.js');
    expect(edited.parseExactLine(line)).toEqual(JSON.parse(line));
  });

  it('the batch scanner will not load with a record key it has no slot for, or a field it reads otherwise', async () => {
    await expect(withTable((t) => (t.RECORD_FIELDS.explicitHashKey = hashKey), '../../src/protocol/batch-scanner.js')).rejects.toThrow(/no slot for the field table's "explicitHashKey"/);
    await expect(withTable((t) => (t.RECORD_FIELDS.partitionKey = { ...t.RECORD_FIELDS.partitionKey!, nullable: true }), '../../src/protocol/batch-scanner.js')).rejects.toThrow(/"partitionKey" is not what the scanner reads/);
  });

  it('the batch scanner requires what the table requires', async () => {
    const noSub = '{"action":"processRecords","records":[{"data":"QUJD","partitionKey":"p","sequenceNumber":"1"}]}';
    type Scanner = typeof import('../../src/protocol/batch-scanner.js');
    const real = await import('../../src/protocol/batch-scanner.js');
    expect(real.scanProcessRecords([Buffer.from(noSub)])).toBeDefined();
    const edited = await withTable<Scanner>((t) => (t.RECORD_FIELDS.subSequenceNumber = { ...t.RECORD_FIELDS.subSequenceNumber!, required: true }), '../../src/protocol/batch-scanner.js');
    expect(edited.scanProcessRecords([Buffer.from(noSub)])).toBeUndefined();
  });

  it('serializeMessage and the strict parser follow the child table', async () => {
    const edit = (t: Tables): void => {
        t.CHILD_MESSAGES.status!.note = { type: 'string', nullable: true, required: false, ignored: false };
    };
    const real = await import('../../src/testing/strict-parse.js');
    expect(real.parseChildLine('{"action":"status","responseFor":"x","note":"n"}')).toMatchObject({ kind: 'skipped' });
    const serialize = await withTable<typeof import('../../src/protocol/serialize.js')>(edit, '../../src/protocol/serialize.js');
    expect(serialize.serializeMessage(serialize.statusMessage('initialize'))).toBe('\n{"action":"status","responseFor":"initialize","note":null}\n');
    const strict = await withTable<typeof import('../../src/testing/strict-parse.js')>(edit, '../../src/testing/strict-parse.js');
    expect(strict.parseChildLine('{"action":"status","responseFor":"x","note":"n"}')).toEqual({ kind: 'message', message: { action: 'status', responseFor: 'x', note: 'n' } });
  });
});
