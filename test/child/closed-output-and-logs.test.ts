/**
 * What the daemon's log shows when a child ends badly: one fatal line that says why,
 * one line of cause that points into the user's code, and no JSON or stack traces
 * (the daemon logs every stderr line at ERROR). Full detail goes to KCL_LOG_FILE.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const FIXTURES = `${ROOT}test/child/fixtures`;
const INIT = { action: 'initialize', shardId: 'shardId-000000000007', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

describe('the daemon closes its end of stdout', () => {
  it('one fatal line naming the message that could not be written, exit 1, no stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}/manual.ts`], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const drained = new Promise((resolve) => child.stderr.on('close', resolve));
    child.stdout.destroy();
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
    const code = await exited;
    await drained;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'kcl-ts: fatal: OutputClosedError: could not write the status for initialize: the daemon closed its end of stdout (EPIPE)',
    ]);
  });
});

describe('a processor that fails beyond the error policy', () => {
  it('by default: one short line per retry, the fatal line and a one-line cause at the user\'s frame', async () => {
    const daemon = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}/failing.ts`], { cwd: ROOT, timeoutMs: 15_000 });
    await daemon.send(INIT);
    await expect(daemon.send(makeBatch(2))).rejects.toThrow();
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    const lines = end.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^kcl-ts: /);
    expect(lines[0]).toMatch(/^kcl-ts: warn shardId-000000000007: processRecords failed; retrying from the first unprocessed record \(.*attempt=1.*\): Error: the database said no \(at Failing\.processRecords \(.*test\/child\/fixtures\/failing\.ts:6:11\)\)$/);
    expect(lines[1]).toContain('attempt=2');
    expect(lines[2]).toMatch(/^kcl-ts: fatal: ProcessorFailedError: processRecords failed 3 time\(s\) on shard shardId-000000000007 at sequence number \d+: the database said no/);
    expect(lines[3]).toMatch(/^kcl-ts: {3}caused by Error: the database said no \(at Failing\.processRecords \(.*failing\.ts:6:11\)\)$/);
  });

  it('with KCL_LOG_FILE: stderr has the fatal line and its cause; the file has every event with its stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-fail-'));
    const file = join(dir, 'child.log');
    try {
      const daemon = FakeDaemon.spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}/failing.ts`], { cwd: ROOT, timeoutMs: 15_000, env: { ...process.env, KCL_LOG_FILE: file } });
      await daemon.send(INIT);
      await expect(daemon.send(makeBatch(2))).rejects.toThrow();
      const end = await daemon.exited();
      expect(end.exitCode).toBe(1);
      const lines = end.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^kcl-ts: fatal: ProcessorFailedError: processRecords failed 3 time\(s\)/);
      expect(lines[1]).toMatch(/^kcl-ts: {3}caused by Error: the database said no \(at /);
      const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; err?: { stack?: string } });
      const retries = events.filter((e) => e.msg.startsWith('processRecords failed; retrying'));
      expect(retries).toHaveLength(2);
      for (const r of retries) expect(r.err?.stack).toMatch(/Error: the database said no\n\s+at Failing\.processRecords/);
      const fatal = events.filter((e) => e.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.err?.stack).toContain('ProcessorFailedError');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
