import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamMessageReader } from '../../src/transport/reader.js';

async function readAll(reader: StreamMessageReader): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const m = await reader.next();
    if (m === undefined) return out;
    out.push(m);
  }
}

describe('StreamMessageReader framing on Buffers', () => {
  it('joins a line split at every byte, keeps a multi-byte UTF-8 character split across chunks, and takes \\r\\n split across chunks as one ending', async () => {
    const input = new PassThrough();
    const reader = new StreamMessageReader(input);
    const text = '{"action":"initialize","shardId":"shard-é-€-😀","sequenceNumber":"TRIM_HORIZON","subSequenceNumber":null}\r\n{"action":"leaseLost"}\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i++) input.write(bytes.subarray(i, i + 1));
    input.end();
    expect(await readAll(reader)).toEqual([
      { action: 'initialize', shardId: 'shard-é-€-😀', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: null },
      { action: 'leaseLost' },
    ]);
  });

  it('reads several lines from one chunk, skips blank lines and reads a last line without a newline at the end of input', async () => {
    const input = new PassThrough();
    const reader = new StreamMessageReader(input);
    input.end('\n{"action":"leaseLost"}\n\n{"action":"shardEnded"}\n{"action":"shutdownRequested"}');
    expect(await readAll(reader)).toEqual([{ action: 'leaseLost' }, { action: 'shardEnded' }, { action: 'shutdownRequested' }]);
  });

  it('reads string chunks (a stream with an encoding set)', async () => {
    const input = new PassThrough({ encoding: 'utf8' });
    const reader = new StreamMessageReader(input);
    input.write('{"action":"lea');
    input.end('seLost"}\n');
    expect(await readAll(reader)).toEqual([{ action: 'leaseLost' }]);
  });
});

describe('StreamMessageReader: lines the plain checks leave to the full parser', () => {
  it('keeps the order around a line that needs zod (an extra key, stripped) and around a bad line', async () => {
    const input = new PassThrough();
    const reader = new StreamMessageReader(input);
    input.write('{"action":"initialize","shardId":"s","sequenceNumber":null,"subSequenceNumber":null,"extra":1}\n{"action":"leaseLost"}\n');
    input.write('{"action":"shardEnded"}\n{"action":"shutdown","reason":"BORED"}\n{"action":"shutdownRequested"}\n');
    input.end();
    expect(await reader.next()).toEqual({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null });
    expect(await reader.next()).toEqual({ action: 'leaseLost' });
    expect(await reader.next()).toEqual({ action: 'shardEnded' });
    await expect(reader.next()).rejects.toThrow(/^shutdown: field "reason"/);
    expect(await reader.next()).toEqual({ action: 'shutdownRequested' });
    expect(await reader.next()).toBeUndefined();
  });
});
