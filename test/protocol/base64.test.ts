/**
 * In-place base64 decoding must give exactly what `Buffer.from(text, 'base64')` gives for
 * canonical text, and leave anything else untouched for the lenient decoder; a payload
 * decoded in place must still read back as the text the daemon sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyRecord } from '../../src/engine/record.js';
import { decodeBase64InPlace } from '../../src/protocol/base64.js';
import { scanProcessRecords } from '../../src/protocol/batch-scanner.js';
import { SpanRecord } from '../../src/protocol/span-record.js';

/** Decodes `text` in place inside a Buffer with bytes around it, checking the surroundings are untouched. */
function inPlace(text: string): { end: number; bytes: Buffer; original: Buffer } {
  const original = Buffer.from(`<<${text}>>`, 'latin1');
  const bytes = Buffer.from(original);
  const end = decodeBase64InPlace(bytes, 2, 2 + text.length);
  expect(bytes.subarray(2 + text.length).toString('latin1')).toBe('>>');
  expect(bytes.subarray(0, 2).toString('latin1')).toBe('<<');
  return { end, bytes, original };
}

describe('decodeBase64InPlace', () => {
  it('decodes canonical base64 of any bytes exactly as Buffer.from does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const text = Buffer.from(data).toString('base64');
        const { end, bytes } = inPlace(text);
        expect(end).toBe(2 + data.length);
        expect(bytes.subarray(2, end).equals(Buffer.from(text, 'base64'))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses what is not canonical and leaves the bytes exactly as they were', () => {
    const alphabet = fc.constantFrom(...'ABCDQRSTwxyz0189+/=-_ \n\\é'.split(''));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.array(fc.tuple(fc.nat(), alphabet, fc.boolean()), { minLength: 1, maxLength: 4 }), (data, edits) => {
        const chars = Buffer.from(data).toString('base64').split('');
        for (const [at, c, replace] of edits) chars.splice(at % (chars.length + 1), replace ? 1 : 0, c);
        const text = chars.join('');
        const { end, bytes, original } = inPlace(text);
        if (end === -1) {
          expect(bytes.equals(original)).toBe(true);
        } else {
          // Accepted: then it is canonical, i.e. it re-encodes to itself.
          expect(bytes.subarray(2, end).toString('base64')).toBe(text);
          expect(bytes.subarray(2, end).equals(Buffer.from(text, 'base64'))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    for (const text of ['QQ', 'QR==', 'QUJ=', 'QUI=x', 'Q===', '====', 'QU=D', 'QUJD\n', 'QU JD', 'QUJD-_-_', 'QUJDQUJD-QUJ', 'QUJDQUJDQ\nJD', 'QUJDQUJDQUJDQR==']) {
      const { end, bytes, original } = inPlace(text);
      expect(end, text).toBe(-1);
      expect(bytes.equals(original), text).toBe(true);
    }
    expect(inPlace('').end).toBe(2);
    expect(inPlace('QQ==').end).toBe(3);
  });
});

describe('a payload decoded where it lies', () => {
  it('reads back as the same base64 text, in toJSON and data alike, canonical or not', () => {
    const texts = [Buffer.from('hello, world').toString('base64'), '', 'QR==', 'QUJ', 'QU JD', Buffer.alloc(300, 9).toString('base64')];
    const line = `{"action":"processRecords","records":[${texts.map((t, i) => `{"data":"${t}","partitionKey":"p","sequenceNumber":"${i}"}`).join(',')}]}`;
    const message = scanProcessRecords([Buffer.from(line)])!;
    texts.forEach((text, i) => {
      const wire = message.records[i]!;
      expect(wire).toBeInstanceOf(SpanRecord);
      const record = new LazyRecord(wire);
      expect(record.data.equals(Buffer.from(text, 'base64')), text).toBe(true);
      expect(record.data).toBe(record.data); // decoded once
      expect(wire.data).toBe(text);
      expect(record.toJSON().data).toBe(text);
      expect(new LazyRecord(wire).data.equals(Buffer.from(text, 'base64'))).toBe(true); // a second reader sees the same bytes
    });
  });
});
