import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX = [process.execPath, '--import', 'tsx'];

function spawnFixture(file: string, env: NodeJS.ProcessEnv = {}): FakeDaemon {
  return FakeDaemon.spawn(TSX[0]!, [...TSX.slice(1), join(ROOT, 'test/child/fixtures', file)], { cwd: ROOT, env: { ...process.env, ...env }, timeoutMs: 15_000 });
}

function executableName(propertiesFile: string): string[] {
  const line = readFileSync(join(ROOT, propertiesFile), 'utf8')
    .split('\n')
    .find((l) => /^\s*executableName\s*[=:]/.test(l));
  return line!.replace(/^\s*executableName\s*[=:]\s*/, '').trim().split(/ +/);
}

describe('the sample consumer as a real child process', () => {
  it('runs from properties/sample.properties’ executableName under the strict fake daemon', async () => {
    const out = join(tmpdir(), `kcl-ts-sample-${process.pid}.jsonl`);
    rmSync(out, { force: true });
    const [command, ...args] = executableName('properties/sample.properties');
    const daemon = FakeDaemon.spawn(command!, args, { cwd: ROOT, env: { ...process.env, SAMPLE_OUTPUT: out }, timeoutMs: 30_000 });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000001', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    const first = makeBatch(600, 0, (i) => ({ i, msg: `hello ${i}` }));
    const second = makeBatch(600, 600, (i) => ({ i, msg: `hello ${i}` }));
    expect((await daemon.send(first)).messages).toEqual([{ action: 'status', responseFor: 'processRecords' }]);
    // 1,200 records ≥ everyRecords 1000: a checkpoint at the last record of the second batch.
    const x = await daemon.send(second);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: second.records[599]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    const end = await daemon.send({ action: 'shardEnded' });
    expect(end.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
      { action: 'status', responseFor: 'shardEnded' },
    ]);
    expect(end.skipped).toEqual([]);
    const exit = await daemon.close();
    expect(exit.exitCode).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { data: string; sequenceNumber: string; shardId: string });
    expect(rows).toHaveLength(1200);
    expect(rows[1199]).toMatchObject({ shardId: 'shardId-000000000001', data: '{"i":1199,"msg":"hello 1199"}', sequenceNumber: second.records[599]!.sequenceNumber });
    rmSync(out, { force: true });
  });
});

describe('stdout belongs to the protocol', () => {
  it('sends console.log and process.stdout.write from user code to stderr; the daemon skips nothing', async () => {
    const daemon = spawnFixture('noisy.ts');
    const init = await daemon.send({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null });
    const batch = await daemon.send(makeBatch(2));
    await new Promise((r) => setTimeout(r, 30));
    const lost = await daemon.send({ action: 'leaseLost' });
    for (const x of [init, batch, lost]) expect(x.skipped).toEqual([]);
    expect(batch.messages.map((m) => m.action)).toEqual(['checkpoint', 'status']);
    const end = await daemon.close();
    expect(end.exitCode).toBe(0); // despite the open interval
    expect(end.stderr).toContain('noise at import');
    expect(end.stderr).toContain('noise in initialize');
    expect(end.stderr).toContain('unterminated noise');
    expect(end.stderr).toContain('noise from a timer');
  });
});

describe('bad input from the daemon', () => {
  it.each([
    ['this is not json', /kcl-ts: fatal: ProtocolError: line is not JSON .*"this is not json"/],
    ['{"action":"processRecords","records":[{"data":"x"}]}', /kcl-ts: fatal: ProtocolError: processRecords: field "records\[0\]\.partitionKey" is missing/],
    ['{"action":"initialize","shardId":null}', /kcl-ts: fatal: ProtocolError: initialize: field "shardId" has the wrong type/],
  ])('exits non-zero with one clear error line for %s', async (line, message) => {
    const daemon = spawnFixture('noisy.ts');
    daemon.writeRaw(`${line}\n`);
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    const fatal = end.stderr.split('\n').filter((l) => l.startsWith('kcl-ts: fatal:'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(message);
  });

  it('exits 0 at end of input', async () => {
    const daemon = spawnFixture('noisy.ts');
    await daemon.send({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null });
    expect((await daemon.close()).exitCode).toBe(0);
  });
});
