/** `kcl-ts init`'s scaffold: what npm run demo runs and what it needs (the install is in test/package/pack.test.ts). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';
import { parseProperties } from '../../src/host/properties/parse.js';

async function init(args: string[], cwd: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io: CliIO = { stdout: () => undefined, stderr: (s) => void err.push(s), env: process.env, cwd };
  return { code: await main(['init', ...args], io), err: err.join('') };
}

describe('kcl-ts init', () => {
  it("makes npm run demo kcl-ts dev, with what kcl-ts dev loads as devDependencies at the versions kcl-ts is tested with", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-init-'));
    expect((await init(['orders'], dir)).code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'orders', 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.scripts['demo']).toBe('kcl-ts dev');
    for (const name of ['kinesis-local', '@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb']) expect(pkg.devDependencies[name]).toBe(own.devDependencies[name]);
    const local = parseProperties(readFileSync(path.join(dir, 'orders', 'app.local.properties'), 'utf8')).map;
    expect(local.get('applicationName')?.value).toBe('orders');
    expect(local.get('streamName')?.value).toBe('my-stream');
    // one node process per shard child: npx would cost every child start seconds on a busy machine
    expect(local.get('executableName')?.value).toBe('node --import tsx src/app.ts');
  });

  it('gives a short name an application name DynamoDB accepts as a table name', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-init-'));
    expect((await init(['x'], dir)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'x', 'package.json'), 'utf8')).name).toBe('x');
    for (const file of ['app.properties', 'app.local.properties']) {
      expect(parseProperties(readFileSync(path.join(dir, 'x', file), 'utf8')).map.get('applicationName')?.value).toBe('x-app');
    }
  });

  it('refuses a stream name Kinesis would refuse', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-init-'));
    const { code, err } = await init(['y', '--stream', 'my stream'], dir);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe('kcl-ts init: --stream "my stream" is not a Kinesis stream name: 1 to 128 characters of A-Z a-z 0-9 _ - .');
  });
});
