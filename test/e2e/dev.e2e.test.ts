/**
 * `kcl-ts dev` and `kcl-ts status` from the built package (bin/kcl-ts.js, as a user runs
 * them), against the real daemon and real stand-ins: the sample consumer gets every
 * record; `status` on the copy a `--keep` run leaves shows each shard's checkpoint and
 * what was put after it; a bad records file is named by file and line before anything
 * starts; a processor that never finishes a batch fails after `--timeout`. None of it
 * leaves a process behind.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/kcl.js';
import { kinesisClient, putRecords } from '../harness/kinesis.js';
import { watchTree, type TreeWatch } from '../harness/process-tree.js';
import { spawnManaged, stopAll, waitFor, type ManagedProcess } from '../harness/processes.js';

const BIN = path.join(REPO_ROOT, 'bin', 'kcl-ts.js');
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-dev-e2e-'));

function kclTs(name: string, args: string[]): ManagedProcess {
  return spawnManaged(name, process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
}

async function finished(proc: ManagedProcess, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const exit = await proc.waitForExit(timeoutMs);
  await proc.waitForOutputEnd(20_000);
  return { code: exit.code, output: proc.recentOutput() };
}

async function nothingLeft(tree: TreeWatch): Promise<void> {
  tree.stop();
  await waitFor('every process kcl-ts dev started to be gone', () => tree.alive().length === 0, 20_000).catch(() => {
    throw new Error(`still running:\n${tree.alive().map((p) => `${p.pid} ${p.command}`).join('\n')}`);
  });
}

afterAll(async () => {
  await stopAll();
});

describe('kcl-ts dev', () => {
  it('consumes every record of the sample consumer on 2 shards; kcl-ts status on the --keep copy shows each checkpoint', async () => {
    const dev = kclTs('dev', ['dev', '-p', 'properties/sample.properties', '--shards', '2', '--records', '300', '--rate', '1000', '--keep']);
    const tree = watchTree(dev.pid);
    const keepLine = await dev.waitForLine(/--keep: .*kcl-ts status --properties (\S+)/, 240_000);
    const copy = /kcl-ts status --properties (\S+)/.exec(keepLine)![1]!;
    const summary = dev.recentOutput();
    expect(summary).toContain('every record arrived (300 of 300)');
    expect(summary).toMatch(/^total\s+300\s+300\s+\(0 delivered again\)$/m);
    const checkpoints = new Map<string, string>();
    for (const m of summary.matchAll(/^(shardId-\d+)\s+(\d+)\s+(\d+)\s+after record (\d+) of (\d+) \((\d+)\)$/gm)) {
      expect(m[3], m[0]).toBe(m[2]);
      expect(m[4], m[0]).toBe(m[2]);
      checkpoints.set(m[1]!, m[6]!);
    }
    expect([...checkpoints.keys()]).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const started = tree.seen().map((p) => p.command);
    expect(started.some((c) => /MultiLangDaemon/.test(c)), started.join('\n')).toBe(true);
    expect(started.some((c) => /tap-main\.js --events .* -- node --import tsx examples\/sample-consumer\.ts/.test(c))).toBe(true);

    // The stand-ins are still up: the status reads the checkpoints the summary printed...
    const status = await finished(kclTs('status', ['status', '--properties', copy]), 60_000);
    expect(status.code, status.output).toBe(0);
    for (const [shard, seq] of checkpoints) expect(status.output).toMatch(new RegExp(`^${shard}\\s+\\S+\\s+${seq}\\s+\\d+\\s+-\\s+0$`, 'm'));
    // ...and counts what is put after them.
    const endpoint = /^kinesisEndpoint = (\S+)$/m.exec(readFileSync(copy, 'utf8'))![1]!;
    const client = kinesisClient(endpoint);
    const extra = await putRecords(client, 'demo', Array.from({ length: 7 }, (_, i) => ({ data: `late-${i}`, partitionKey: `late-${i}` })));
    client.destroy();
    const json = await finished(kclTs('status-json', ['status', '--properties', copy, '--json']), 60_000);
    expect(json.code, json.output).toBe(0);
    const parsed = JSON.parse(json.output) as { applicationName: string; leases: { shardId: string; checkpoint: string; behind: { records: number; capped: boolean } | null }[] };
    expect(parsed.applicationName).toBe('kcl-ts-sample');
    expect(parsed.leases.map((l) => [l.shardId, l.checkpoint])).toEqual([...checkpoints]);
    for (const lease of parsed.leases) {
      expect(lease.behind).toEqual({ records: extra.byShard.get(lease.shardId)?.length ?? 0, capped: false, millisBehindLatest: expect.any(Number) });
    }

    // A lease table that is not there is said in one line.
    const wrongApp = path.join(work, 'wrong-app.properties');
    writeFileSync(wrongApp, readFileSync(copy, 'utf8').replace(/^applicationName = .*$/m, 'applicationName = no-such-app'));
    const missing = await finished(kclTs('status-missing', ['status', wrongApp]), 60_000);
    expect(missing.code).toBe(1);
    const dynamoEndpoint = /^dynamoDBEndpoint = (\S+)$/m.exec(readFileSync(copy, 'utf8'))![1]!;
    expect(missing.output.trim()).toBe(
      `kcl-ts status: no lease table "no-such-app" on DynamoDB at ${dynamoEndpoint} (applicationName in ${wrongApp}): the application has not run there, or the name or endpoint differs`,
    );

    dev.signal('SIGINT');
    const end = await finished(dev, 60_000);
    expect(end.code, end.output).toBe(0);
    await nothingLeft(tree);
  });

  it('names the file and line of a bad --produce record, before starting anything', async () => {
    const file = path.join(work, 'records.jsonl');
    writeFileSync(file, '{"partitionKey":"a","data":"one"}\n\n{"partitionKey":"b","data":{"n":2}}\n{"partitionKey":"","data":"three"}\n');
    const dev = kclTs('dev-bad-file', ['dev', '-p', 'properties/sample.properties', '--produce', file]);
    const tree = watchTree(dev.pid);
    const { code, output } = await finished(dev, 30_000);
    expect(code).toBe(2);
    expect(output.trim()).toBe(`kcl-ts dev: ${file}:4: partitionKey is empty (Kinesis needs 1 to 256 characters)`);
    expect(tree.seen()).toEqual([]);
    await nothingLeft(tree);
  });

  it('fails after --timeout when the processor never finishes a batch, and stops everything', async () => {
    const props = path.join(work, 'stuck.properties');
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    writeFileSync(
      props,
      [
        `executableName = ${tsx} ${path.join(REPO_ROOT, 'test', 'e2e', 'processors', 'stuck.ts')}`,
        'streamName = stuck',
        'applicationName = stuck-app',
        'shutdownGraceMillis = 3000',
      ].join('\n'),
    );
    const started = Date.now();
    const dev = kclTs('dev-stuck', ['dev', '-p', props, '--records', '20', '--timeout', '20']);
    const tree = watchTree(dev.pid);
    const { code, output } = await finished(dev, 240_000);
    expect(code, output).toBe(1);
    expect(output).toContain('not every record arrived 20 s after the last was put (--timeout)');
    expect(output).toMatch(/^total\s+20\s+0\s/m);
    expect(output).toContain('NOT every record arrived: 20 of 20 missing when the time ran out (--timeout)');
    console.log(`stuck processor: kcl-ts dev exited ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await nothingLeft(tree);
  });
});
