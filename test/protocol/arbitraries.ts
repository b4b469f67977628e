/**
 * Generators of daemon messages as JSON text, shared by the tests that hold the hot
 * path's checks (exact-parse.ts, the batch scanner) to the zod schemas. Text, not objects, so
 * number edge cases (1e999, 2^53 + 1, 1.5, -0, exponents) reach the parsers as the
 * daemon's text would.
 */
import fc from 'fast-check';

const long = (middle: string): string => `"${'QUJD'.repeat(20)}${middle}${'QkNE'.repeat(5)}"`;
export const strings = [
  '""',
  '"QUJD"',
  '"pk-1"',
  '"496805059938058446063373365025007575013667902874441482260"',
  '"é\\u0000\\n"',
  '"a\\"b,\\"c}"',
  '"\\u0041BC"',
  '"ü€😀"',
  '"del\x7f"',
  long(''),
  long('\\/'),
  long('é'),
  long('\\"'),
];
export const numbers = ['0', '-0', '98765432109876543210', '-12345678901234567891', '1797693134862315799999', '17976931348623157e292', '1', '-1', '1.5', '1e3', '1E+2', '2.5e-3', '9007199254740991', '9007199254740993', '-9007199254740993', '1e999', '-1e999', '1732400000000'];
export const others = ['null', 'true', 'false', '[]', '{}', '"record"', '"RECORD"', '[1]', '{"a":1}'];
export const anyValue = fc.constantFrom(...strings, ...numbers, ...others);
export const stringValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...strings) }, { weight: 1, arbitrary: anyValue });
export const numberValue = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...numbers, 'null') }, { weight: 1, arbitrary: anyValue });
export const actionValue = fc.oneof({ weight: 6, arbitrary: fc.constant('"record"') }, { weight: 1, arbitrary: anyValue });
export const extraKey = fc.constantFrom('explicitHashKey', '__proto__', 'constructor', 'toString', 'data2', 'action ');

/**
 * A record's key/value pairs (values as JSON text): known keys in a shuffled order, each
 * maybe missing, maybe an extra key, maybe a key twice (`repeated` names it).
 */
export const recordPairs = fc
  .record({
    data: fc.option(stringValue, { freq: 8 }),
    partitionKey: fc.option(stringValue, { freq: 8 }),
    sequenceNumber: fc.option(stringValue, { freq: 8 }),
    approximateArrivalTimestamp: fc.option(numberValue, { freq: 3 }),
    subSequenceNumber: fc.option(numberValue, { freq: 3 }),
    action: fc.option(actionValue, { freq: 3 }),
    extra: fc.option(fc.tuple(extraKey, anyValue), { freq: 1 }),
    duplicate: fc.option(fc.tuple(fc.constantFrom('data', 'sequenceNumber', 'subSequenceNumber', 'action'), anyValue), { freq: 1 }),
    seed: fc.integer(),
  })
  .map(({ extra, duplicate, seed, ...known }) => {
    const pairs: [string, string][] = Object.entries(known).filter((e): e is [string, string] => e[1] !== null);
    if (extra !== null) pairs.push(extra);
    if (duplicate !== null) pairs.push(duplicate);
    // A deterministic shuffle from the seed (key order must never matter).
    pairs.sort((a, b) => ((hash(a[0]) ^ seed) & 0xff) - ((hash(b[0]) ^ seed) & 0xff));
    const repeated = duplicate !== null && pairs.filter(([k]) => k === duplicate[0]).length > 1;
    return { pairs, repeated };
  });

/** A record as JSON text, compact as the daemon writes it. */
export const recordText = recordPairs.map(({ pairs }) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

export const recordOrNot = fc.oneof({ weight: 10, arbitrary: recordText }, { weight: 1, arbitrary: anyValue });

export const lineText = fc
  .record({
    records: fc.oneof({ weight: 10, arbitrary: fc.array(recordOrNot, { maxLength: 5 }).map((rs) => `[${rs.join(',')}]`) }, { weight: 1, arbitrary: anyValue }),
    millisBehindLatest: fc.option(numberValue, { freq: 4 }),
    extra: fc.option(fc.tuple(extraKey, anyValue), { freq: 1 }),
  })
  .map(({ records, millisBehindLatest, extra }) => {
    let line = `{"action":"processRecords","records":${records}`;
    if (millisBehindLatest !== null) line += `,"millisBehindLatest":${millisBehindLatest}`;
    if (extra !== null) line += `,${JSON.stringify(extra[0])}:${extra[1]}`;
    return `${line}}`;
  });

export function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

