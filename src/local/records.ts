/**
 * The records `kcl-ts dev` puts on the stream: generated ones, or the user's own from a
 * JSON-lines file, each line `{"partitionKey": "...", "data": ...}` checked before
 * anything starts, a bad one named by file and line.
 */
import { readFileSync } from 'node:fs';
import type { RecordToPut } from './stream.js';

/** Kinesis's limits on one record. */
const MAX_PARTITION_KEY_CHARS = 256;
const MAX_RECORD_BYTES = 1024 * 1024;
const KEYS = ['partitionKey', 'data', 'explicitHashKey'];

/** A bad records file, with the place to fix (`file:line: …`). */
export class RecordsFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'RecordsFileError';
  }
}

/** `count` records with JSON payloads, spread over 64 partition keys (so over every shard). */
export function generatedRecords(count: number, now: () => Date = () => new Date()): RecordToPut[] {
  return Array.from({ length: count }, (_, n) => ({
    partitionKey: `key-${n % 64}`,
    data: JSON.stringify({ n, amount: (n * 37) % 1000, at: now().toISOString() }),
  }));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** One line of a records file; throws RecordsFileError naming `shownName:line`. */
export function parseRecordLine(text: string, shownName: string, line: number): RecordToPut {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RecordsFileError(shownName, line, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecordsFileError(shownName, line, `expected an object {"partitionKey": "...", "data": ...}, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) {
    throw new RecordsFileError(shownName, line, `unknown key ${JSON.stringify(unknown[0])} (a record has partitionKey, data and optionally explicitHashKey)`);
  }
  const key = o['partitionKey'];
  if (typeof key !== 'string') {
    throw new RecordsFileError(shownName, line, key === undefined ? 'partitionKey is missing' : `partitionKey must be a string, got ${describe(key)}`);
  }
  if (key.length === 0) throw new RecordsFileError(shownName, line, 'partitionKey is empty (Kinesis needs 1 to 256 characters)');
  if ([...key].length > MAX_PARTITION_KEY_CHARS) {
    throw new RecordsFileError(shownName, line, `partitionKey is ${[...key].length} characters; Kinesis allows ${MAX_PARTITION_KEY_CHARS}`);
  }
  const data = o['data'];
  if (data === undefined || data === null) {
    throw new RecordsFileError(shownName, line, 'data is missing: a string (put as UTF-8) or any other JSON value (put as its JSON text)');
  }
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  const bytes = Buffer.byteLength(payload) + Buffer.byteLength(key);
  if (bytes > MAX_RECORD_BYTES) {
    throw new RecordsFileError(shownName, line, `data and partitionKey are ${bytes} bytes; Kinesis allows ${MAX_RECORD_BYTES} per record`);
  }
  const hashKey = o['explicitHashKey'];
  if (hashKey !== undefined && (typeof hashKey !== 'string' || !/^\d+$/.test(hashKey) || BigInt(hashKey) >= 2n ** 128n)) {
    throw new RecordsFileError(shownName, line, 'explicitHashKey must be a decimal string below 2^128');
  }
  return { partitionKey: key, data: payload, ...(typeof hashKey === 'string' ? { explicitHashKey: hashKey } : {}) };
}

/** Every record of a JSON-lines file (blank lines skipped); `shownName` is how errors name it. */
export function readRecordsFile(file: string, shownName: string = file): RecordToPut[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordsFileError(shownName, undefined, code === 'ENOENT' ? 'no such file' : `cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  const records: RecordToPut[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    if (lineText.trim() !== '') records.push(parseRecordLine(lineText, shownName, i + 1));
  });
  if (records.length === 0) throw new RecordsFileError(shownName, undefined, 'no records in it (one JSON object per line)');
  return records;
}
