/**
 * `kcl-ts dev`'s argument checks: each bad input is named, with exit status 2, before
 * anything starts (the run itself is in test/e2e/dev.e2e.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

async function dev(args: string[], cwd = REPO): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: process.env, cwd };
  const code = await main(['dev', ...args], io);
  return { code, out: out.join(''), err: err.join('') };
}

/** The first line of a usage error (the command's help follows it). */
const firstLine = (text: string): string => text.split('\n')[0]!;

describe('kcl-ts dev arguments', () => {
  it('--help says how consumption is observed and what the project needs', async () => {
    const { code, out } = await dev(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: kcl-ts dev /);
    expect(out).toContain('behind a tap');
    expect(out).toContain('npm install -D kinesis-local @aws-sdk/client-kinesis @aws-sdk/client-dynamodb');
    for (const option of ['--properties', '--shards', '--records', '--produce', '--rate', '--timeout', '--keep', '--record', '--verbose']) expect(out).toContain(option);
  });

  it.each([
    [['--shards', '0'], 'kcl-ts dev: --shards must be between 1 and 64, got 0'],
    [['--shards', '65'], 'kcl-ts dev: --shards must be between 1 and 64, got 65'],
    [['--shards', 'two'], 'kcl-ts dev: --shards must be a whole number, got "two"'],
    [['--records', '1.5'], 'kcl-ts dev: --records must be a whole number, got "1.5"'],
    [['--records', '0'], 'kcl-ts dev: --records must be between 1 and 10000000, got 0'],
    [['--rate', '0'], 'kcl-ts dev: --rate must be between 1 and 100000, got 0'],
    [['--timeout', '0'], 'kcl-ts dev: --timeout must be between 1 and 86400, got 0'],
    [['--records', '5', '--produce', 'r.jsonl'], 'kcl-ts dev: give --records N or --produce FILE, not both'],
    [['--produce='], 'kcl-ts dev: --produce needs a file name'],
    [['--record='], 'kcl-ts dev: --record needs a directory'],
    [['extra'], expect.stringContaining("kcl-ts dev: Unexpected argument 'extra'")],
    [['--shard', '2'], expect.stringContaining("kcl-ts dev: Unknown option '--shard'")],
  ])('%j: exit 2, %s', async (args, message) => {
    const { code, err } = await dev(args);
    expect(code).toBe(2);
    expect(firstLine(err)).toEqual(message);
  });

  it('names a records file that is missing, or its bad line, in one line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-dev-args-'));
    writeFileSync(path.join(dir, 'r.jsonl'), '{"partitionKey":"a","data":"x"}\n{"partitionKey":"b"}\n');
    expect(await dev(['--produce', 'nope.jsonl'], dir)).toEqual({ code: 2, out: '', err: 'kcl-ts dev: nope.jsonl: no such file\n' });
    expect(await dev(['--produce', 'r.jsonl'], dir)).toMatchObject({ code: 2, err: expect.stringMatching(/^kcl-ts dev: r\.jsonl:2: data is missing: .*\n$/) });
  });

  it('names a missing properties file, and one with errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-dev-args-'));
    // this directory has no kcl-ts dev packages of its own, but the repository (kcl-ts's own place) does
    expect(await dev([], dir)).toEqual({ code: 2, out: '', err: `kcl-ts dev: no app.local.properties in ${dir}: pass --properties FILE (the daemon properties of your processor)\n` });
    // checks kcl-ts dev makes moot (no AwsCredentialsProvider, no shutdownGraceMillis) are not reported; a real error is
    writeFileSync(path.join(dir, 'app.local.properties'), 'executableName = ./no-such-program\nstreamName = s\napplicationName = a\n');
    const { code, err } = await dev([], dir);
    expect(code).toBe(1);
    expect(err).not.toContain('AwsCredentialsProvider');
    expect(err).not.toContain('shutdownGraceMillis');
    expect(err).toMatch(/^app\.local\.properties:1: error: executableName: /);
    expect(err).toContain('kcl-ts dev: app.local.properties has errors (see above)\n');
    // a name DynamoDB would refuse only after the daemon's start-up is refused now
    writeFileSync(path.join(dir, 'app.local.properties'), `executableName = ${process.execPath} app.js\nstreamName = s\napplicationName = x\n`);
    expect(await dev([], dir)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/kcl-ts dev: app\.local\.properties: applicationName "x" cannot name the lease table: DynamoDB table names are 3 to 255 characters of A-Z a-z 0-9 _ - \.\n$/),
    });
  });
});
