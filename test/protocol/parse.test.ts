import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamMessageReader } from '../../src/transport/reader.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { parseLine } from '../../src/protocol/parse.js';

describe('parseLine', () => {
  it('parses every daemon action exactly as the real daemon writes it', () => {
    expect(parseLine('{"action":"initialize","shardId":"shardId-000000000000","sequenceNumber":"TRIM_HORIZON","subSequenceNumber":0}')).toEqual({
      action: 'initialize',
      shardId: 'shardId-000000000000',
      sequenceNumber: 'TRIM_HORIZON',
      subSequenceNumber: 0,
    });
    expect(parseLine('{"action":"initialize","shardId":"s","sequenceNumber":null,"subSequenceNumber":null}')).toMatchObject({ sequenceNumber: null });
    const batch = parseLine(
      '{"action":"processRecords","records":[{"data":"aGk=","partitionKey":"pk","sequenceNumber":"49680505993805844606337336502500757501366790287444148226","approximateArrivalTimestamp":1795480041377,"subSequenceNumber":0,"action":"record"}],"millisBehindLatest":0}',
    );
    expect(batch).toMatchObject({ action: 'processRecords', millisBehindLatest: 0, records: [{ partitionKey: 'pk', sequenceNumber: '49680505993805844606337336502500757501366790287444148226' }] });
    for (const action of ['leaseLost', 'shardEnded', 'shutdownRequested']) expect(parseLine(`{"action":"${action}"}`)).toEqual({ action });
    expect(parseLine('{"action":"shutdown","reason":"ZOMBIE"}')).toEqual({ action: 'shutdown', reason: 'ZOMBIE' });
    expect(parseLine('{"action":"checkpoint","sequenceNumber":"1","subSequenceNumber":null,"error":"ThrottlingException"}')).toEqual({
      action: 'checkpoint',
      sequenceNumber: '1',
      subSequenceNumber: null,
      error: 'ThrottlingException',
    });
  });

  it('tolerates unknown extra fields on known actions', () => {
    expect(parseLine('{"action":"leaseLost","newField":1}')).toMatchObject({ action: 'leaseLost' });
    expect(parseLine('{"action":"initialize","shardId":"s","extra":{"a":1}}')).toMatchObject({ shardId: 's' });
  });

  it('returns an unknown action as such, so it can still be answered', () => {
    expect(parseLine('{"action":"somethingNew","x":1}')).toEqual({ action: 'somethingNew', unknown: true });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('treats the action %j as unknown, not as a property of Object', (action) => {
    expect(parseLine(JSON.stringify({ action }))).toEqual({ action, unknown: true });
  });

  it('skips blank lines', () => {
    expect(parseLine('')).toBeUndefined();
    expect(parseLine('   \t')).toBeUndefined();
  });

  it.each([
    ['not json', /not JSON/],
    ['{"action":"initialize"', /not JSON/],
    ['[1,2]', /not an object \(array\)/],
    ['42', /not an object \(number\)/],
    ['{"shardId":"s"}', /no "action" field/],
    ['{"action":7}', /"action" must be a string, got number/],
  ])('rejects %s with a clear error', (line, message) => {
    expect(() => parseLine(line)).toThrow(ProtocolError);
    expect(() => parseLine(line)).toThrow(message);
  });

  it('names the action and the field of a missing or mistyped field', () => {
    expect(() => parseLine('{"action":"initialize"}')).toThrow('initialize: field "shardId" is missing');
    expect(() => parseLine('{"action":"initialize","shardId":5}')).toThrow(/initialize: field "shardId" has the wrong type or value \(number 5\)/);
    expect(() => parseLine('{"action":"processRecords"}')).toThrow('processRecords: field "records" is missing');
    expect(() =>
      parseLine('{"action":"processRecords","records":[{"data":"","partitionKey":"p","sequenceNumber":"1"},{"data":"","partitionKey":"p","sequenceNumber":2}]}'),
    ).toThrow(/processRecords: field "records\[1\]\.sequenceNumber" has the wrong type or value \(number 2\)/);
    expect(() => parseLine('{"action":"shutdown","reason":"BORED"}')).toThrow(/shutdown: field "reason"/);
    expect(() => parseLine('{"action":"checkpoint","error":5}')).toThrow(/checkpoint: field "error"/);
    try {
      parseLine('{"action":"processRecords","records":"x"}');
    } catch (err) {
      expect((err as ProtocolError).action).toBe('processRecords');
    }
  });
});

describe('StreamMessageReader', () => {
  it('reads lines of 16 MB and more', async () => {
    const input = new PassThrough();
    const reader = new StreamMessageReader(input);
    const data = Buffer.alloc(12 * 1024 * 1024, 7).toString('base64'); // 16 MB of base64
    const line = JSON.stringify({ action: 'processRecords', records: [{ data, partitionKey: 'p', sequenceNumber: '1', subSequenceNumber: 0, approximateArrivalTimestamp: null, action: 'record' }], millisBehindLatest: null });
    expect(line.length).toBeGreaterThan(16 * 1024 * 1024);
    // Written in chunks, as a pipe delivers it.
    for (let i = 0; i < line.length; i += 65536) input.write(line.slice(i, i + 65536));
    input.end('\n');
    const message = await reader.next();
    expect(message).toMatchObject({ action: 'processRecords' });
    expect((message as { records: { data: string }[] }).records[0]!.data.length).toBe(data.length);
    expect(await reader.next()).toBeUndefined();
  });

  it('keeps messages before a bad line, then reports the bad line, then the end', async () => {
    const input = new PassThrough();
    const reader = new StreamMessageReader(input);
    input.end('{"action":"leaseLost"}\r\n\n{oops\n');
    expect(await reader.next()).toEqual({ action: 'leaseLost' });
    await expect(reader.next()).rejects.toThrow(/not JSON/);
    expect(await reader.next()).toBeUndefined();
  });
});
