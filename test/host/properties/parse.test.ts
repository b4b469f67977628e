import { describe, expect, it } from 'vitest';
import { parseProperties, parsePropertiesBuffer, PropertiesSyntaxError } from '../../../src/host/properties/parse.js';
import { JAVA_CASES } from './java-cases.js';

describe('parseProperties matches java.util.Properties.load', () => {
  for (const c of JAVA_CASES) {
    it(c.name, () => {
      // Inputs are ISO-8859-1 text, as Properties.load(InputStream) decodes them.
      const parsed = parsePropertiesBuffer(Buffer.from(c.input, 'latin1'));
      expect(Object.fromEntries([...parsed.map].map(([k, e]) => [k, e.value]))).toEqual(c.expected);
    });
  }

  it('rejects a malformed \\u escape like the JDK, naming the line', () => {
    let err: unknown;
    try {
      parseProperties('ok=1\n\na=\\u00zz\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PropertiesSyntaxError);
    expect((err as PropertiesSyntaxError).message).toBe('Malformed \\uxxxx encoding.');
    expect((err as PropertiesSyntaxError).line).toBe(3);
  });

  it('decodes bytes as ISO-8859-1, not UTF-8', () => {
    const parsed = parsePropertiesBuffer(Buffer.from('a=é\n', 'utf8'));
    expect(parsed.map.get('a')?.value).toBe('\u00c3\u00a9');
  });
});

describe('line numbers', () => {
  it('records the starting and ending line of each entry', () => {
    const text = ['# header', '', 'a = 1', '  b = two \\', '      three', '! c=x', 'c: 3', 'a=4'].join('\n');
    const { entries, map } = parseProperties(text);
    expect(entries.map((e) => [e.key, e.value, e.line, e.endLine])).toEqual([
      ['a', '1', 3, 3],
      ['b', 'two three', 4, 5],
      ['c', '3', 7, 7],
      ['a', '4', 8, 8],
    ]);
    expect(map.get('a')?.line).toBe(8);
  });

  it('counts CRLF and CR terminators once each', () => {
    const { entries } = parseProperties('a=1\r\n\r\nb=2\rc=3\r\n# x\r\nd=4\\\r\n 5\r\ne=6');
    expect(entries.map((e) => [e.key, e.line])).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 4],
      ['d', 6],
      ['e', 8],
    ]);
  });
});
