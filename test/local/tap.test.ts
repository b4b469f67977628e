import { appendFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tapWords } from '../../src/local/dev-properties.js';
import { TapEventReader, TapObserver, type TapEvent } from '../../src/local/tap-events.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function observe(): { events: TapEvent[]; tap: TapObserver } {
  const events: TapEvent[] = [];
  return { events, tap: new TapObserver((e) => events.push(e), () => 5) };
}

describe('the tap observer', () => {
  it('counts a batch as consumed when the child answers its processRecords, not before', () => {
    const { events, tap } = observe();
    tap.fromDaemon(JSON.stringify({ action: 'initialize', shardId: 'shardId-000000000003', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: null }));
    tap.fromChild('{"action":"status","responseFor":"initialize"}');
    const batch = makeBatch(3);
    batch.records[2]!.subSequenceNumber = 4;
    tap.fromDaemon(JSON.stringify({ ...batch, millisBehindLatest: 1200 }));
    tap.fromChild('{"action":"checkpoint","sequenceNumber":null,"subSequenceNumber":null}');
    tap.fromDaemon('{"action":"checkpoint","sequenceNumber":"9","subSequenceNumber":0,"error":"ThrottlingException"}');
    expect(events.map((e) => e.ev)).toEqual(['start', 'checkpoint']);
    tap.fromChild('not json at all');
    tap.fromChild('{"action":"status","responseFor":"processRecords"}');
    tap.fromChild('{"action":"status","responseFor":"processRecords"}'); // no batch pending: nothing
    tap.fromDaemon('{"action":"processRecords","records":[],"millisBehindLatest":0}');
    tap.fromChild('{"action":"status","responseFor":"processRecords"}'); // an empty batch consumes nothing
    tap.fromDaemon('{"action":"shutdownRequested"}');
    tap.exited(0, null);
    const seq = batch.records.map((r) => r.sequenceNumber);
    expect(events).toEqual([
      { ev: 'start', shard: 'shardId-000000000003', from: 'TRIM_HORIZON', pid: process.pid, t: 5 },
      { ev: 'checkpoint', shard: 'shardId-000000000003', at: '9', error: 'ThrottlingException', t: 5 },
      { ev: 'consumed', shard: 'shardId-000000000003', records: [seq[0], seq[1], `${seq[2]}/4`], millisBehindLatest: 1200, t: 5 },
      { ev: 'end', shard: 'shardId-000000000003', why: 'shutdownRequested', t: 5 },
      { ev: 'exit', shard: 'shardId-000000000003', code: 0, signal: null, t: 5 },
    ]);
  });
});

describe('the tap events reader', () => {
  it('returns each whole line once, across files, and waits for a line still being written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-taps-'));
    const reader = new TapEventReader(dir);
    expect(reader.poll()).toEqual([]);
    const a = path.join(dir, '100.jsonl');
    writeFileSync(a, '{"ev":"exit","shard":"s0","code":0,"signal":null,"t":1}\n{"ev":"exit","sha');
    writeFileSync(path.join(dir, 'ignored.txt'), 'not an events file\n');
    expect(reader.poll().map((e) => e.shard)).toEqual(['s0']);
    appendFileSync(a, 'rd":"s1","code":1,"signal":null,"t":2}\n');
    writeFileSync(path.join(dir, '200.jsonl'), '{"ev":"exit","shard":"s2","code":0,"signal":null,"t":3}\n');
    expect(reader.poll().map((e) => e.shard)).toEqual(['s1', 's2']);
    expect(reader.poll()).toEqual([]);
  });

  it('reads a large line split over writes whole', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-taps-'));
    const reader = new TapEventReader(dir);
    const records = Array.from({ length: 5000 }, (_, i) => `${10n ** 50n + BigInt(i)}`);
    const line = `${JSON.stringify({ ev: 'consumed', shard: 'é-shard', records, millisBehindLatest: 0, t: 1 })}\n`;
    const file = path.join(dir, '1.jsonl');
    writeFileSync(file, line.slice(0, 1001));
    expect(reader.poll()).toEqual([]);
    appendFileSync(file, line.slice(1001));
    const [event] = reader.poll();
    expect(event).toMatchObject({ shard: 'é-shard', records });
  });
});

describe('the tap between a daemon and a real kcl-ts child', () => {
  it('forwards the conversation untouched and writes what the child consumed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-tap-'));
    const [node, ...tap] = tapWords(dir);
    const child = [path.join(REPO, 'node_modules', '.bin', 'tsx'), path.join(REPO, 'test', 'child', 'fixtures', 'counter.ts')];
    const daemon = FakeDaemon.spawn(node!, [...tap, ...child], { cwd: REPO, timeoutMs: 20_000 });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000001', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    const batch = makeBatch(25);
    const answered = await daemon.send(batch);
    expect(answered.messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    await daemon.send({ action: 'leaseLost' });
    const end = await daemon.close();
    expect(end.exitCode).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const events = readFileSync(path.join(dir, files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TapEvent);
    expect(events.map((e) => e.ev)).toEqual(['start', 'consumed', 'end', 'exit']);
    expect(events[1]).toMatchObject({ shard: 'shardId-000000000001', records: batch.records.map((r) => r.sequenceNumber) });
    expect(events[3]).toMatchObject({ code: 0, signal: null });
  });
});
