import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedRecords, parseRecordLine, readRecordsFile, RecordsFileError } from '../../src/local/records.js';

const bad = (text: string): string => {
  try {
    parseRecordLine(text, 'in.jsonl', 7);
  } catch (err) {
    expect(err).toBeInstanceOf(RecordsFileError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${text}`);
};

describe('a records file line', () => {
  it('takes a string payload as UTF-8 and any other JSON value as its JSON text', () => {
    expect(parseRecordLine('{"partitionKey":"a","data":"héllo"}', 'f', 1)).toEqual({ partitionKey: 'a', data: 'héllo' });
    expect(parseRecordLine('{"data":{"n":1,"x":[true]},"partitionKey":"b"}', 'f', 1)).toEqual({ partitionKey: 'b', data: '{"n":1,"x":[true]}' });
    expect(parseRecordLine('{"partitionKey":"c","data":0,"explicitHashKey":"42"}', 'f', 1)).toEqual({ partitionKey: 'c', data: '0', explicitHashKey: '42' });
  });

  it('names the file and line, and what is wrong', () => {
    expect(bad('{"partitionKey":"a","data":"x"')).toMatch(/^in\.jsonl:7: not JSON \(/);
    expect(bad('["a","x"]')).toBe('in.jsonl:7: expected an object {"partitionKey": "...", "data": ...}, got an array');
    expect(bad('"just text"')).toBe('in.jsonl:7: expected an object {"partitionKey": "...", "data": ...}, got a string');
    expect(bad('{"partitionkey":"a","data":"x"}')).toBe('in.jsonl:7: unknown key "partitionkey" (a record has partitionKey, data and optionally explicitHashKey)');
    expect(bad('{"data":"x"}')).toBe('in.jsonl:7: partitionKey is missing');
    expect(bad('{"partitionKey":5,"data":"x"}')).toBe('in.jsonl:7: partitionKey must be a string, got a number');
    expect(bad('{"partitionKey":"","data":"x"}')).toBe('in.jsonl:7: partitionKey is empty (Kinesis needs 1 to 256 characters)');
    expect(bad(JSON.stringify({ partitionKey: 'k'.repeat(257), data: 'x' }))).toBe('in.jsonl:7: partitionKey is 257 characters; Kinesis allows 256');
    expect(bad('{"partitionKey":"a"}')).toMatch(/^in\.jsonl:7: data is missing/);
    expect(bad('{"partitionKey":"a","data":null}')).toMatch(/^in\.jsonl:7: data is missing/);
    expect(bad(JSON.stringify({ partitionKey: 'a', data: 'x'.repeat(1024 * 1024) }))).toBe('in.jsonl:7: data and partitionKey are 1048577 bytes; Kinesis allows 1048576 per record');
    expect(bad('{"partitionKey":"a","data":"x","explicitHashKey":"-1"}')).toBe('in.jsonl:7: explicitHashKey must be a decimal string below 2^128');
    expect(bad(`{"partitionKey":"a","data":"x","explicitHashKey":"${2n ** 128n}"}`)).toBe('in.jsonl:7: explicitHashKey must be a decimal string below 2^128');
  });

  it('allows a 256-character key, counted in characters, not UTF-16 units', () => {
    expect(parseRecordLine(JSON.stringify({ partitionKey: '😀'.repeat(256), data: 'x' }), 'f', 1).partitionKey).toHaveLength(512);
  });
});

describe('a records file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-records-'));

  it('skips blank lines and counts lines from 1, CRLF or not', () => {
    const file = path.join(dir, 'crlf.jsonl');
    writeFileSync(file, '{"partitionKey":"a","data":"1"}\r\n\r\n  \r\n{"partitionKey":"b","data":"2"}\r\n{"partitionKey":"c"}\r\n');
    expect(() => readRecordsFile(file, 'crlf.jsonl')).toThrow('crlf.jsonl:5: data is missing');
    writeFileSync(file, '{"partitionKey":"a","data":"1"}\r\n\r\n{"partitionKey":"b","data":"2"}');
    expect(readRecordsFile(file).map((r) => r.data)).toEqual(['1', '2']);
  });

  it('says when it is missing or holds no record', () => {
    expect(() => readRecordsFile(path.join(dir, 'nope.jsonl'), 'nope.jsonl')).toThrow(new RecordsFileError('nope.jsonl', undefined, 'no such file'));
    const empty = path.join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    expect(() => readRecordsFile(empty, 'empty.jsonl')).toThrow('empty.jsonl: no records in it (one JSON object per line)');
  });
});

describe('generated records', () => {
  it('numbers JSON payloads and spreads them over 64 partition keys', () => {
    const records = generatedRecords(130, () => new Date(0));
    expect(records).toHaveLength(130);
    expect(JSON.parse(records[129]!.data as string)).toEqual({ n: 129, amount: (129 * 37) % 1000, at: '1970-01-01T00:00:00.000Z' });
    expect(new Set(records.map((r) => r.partitionKey)).size).toBe(64);
  });
});
