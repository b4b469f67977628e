import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, loadTranscript, makeBatch, replay } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('kcl-ts record', () => {
  it('forwards both directions unchanged and writes a transcript that replays to the same conversation', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kcl-ts-record-'));
    const sample = ['--import', 'tsx', join(ROOT, 'examples/sample-consumer.ts')];
    const daemon = FakeDaemon.spawn(process.execPath, [join(ROOT, 'bin/kcl-ts.js'), 'record', '--out', out, '--comment', 'unit test', '--', process.execPath, ...sample], { cwd: ROOT, timeoutMs: 20_000 });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000009', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    const batch = makeBatch(1200);
    const x = await daemon.send(batch);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: batch.records[1199]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    await daemon.send({ action: 'shardEnded' });
    const end = await daemon.close();
    expect(end.exitCode).toBe(0);

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^shardId-000000000009-\d+\.jsonl$/);
    const entries = await loadTranscript(join(out, files[0]!));
    expect(entries.filter((e) => e.dir === 'to_child').map((e) => e.message.action)).toEqual(['initialize', 'processRecords', 'checkpoint', 'shardEnded', 'checkpoint']);
    const again = await replay(join(out, files[0]!), { command: process.execPath, args: sample, cwd: ROOT });
    expect(again.error).toBeUndefined();
    expect(again.written).toEqual(again.expected);
    rmSync(out, { recursive: true, force: true });
  });

  it('needs --out and a command', async () => {
    const { main } = await import('../../src/cli/main.js');
    let err = '';
    const io = { stdout: () => undefined, stderr: (t: string) => void (err += t), env: process.env, cwd: ROOT };
    expect(await main(['record', '--', 'node'], io)).toBe(2);
    expect(err).toMatch(/missing --out DIR/);
    err = '';
    expect(await main(['record', '--out', '/tmp/x'], io)).toBe(2);
    expect(err).toMatch(/missing the child command after --/);
  });
});
