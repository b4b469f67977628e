/**
 * `kcl-ts status`'s argument checks and its one-line errors that need no server: an
 * unreachable endpoint (a closed port on 127.0.0.1), no credentials (the SDK's chain with
 * nothing to find; no network is used), no region, no application name. The lease table
 * read from the stand-ins is in test/e2e/dev.e2e.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';
import { freePort } from '../../src/local/ports.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-status-'));

async function status(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env, cwd: REPO };
  const code = await main(['status', ...args], io);
  return { code, out: out.join(''), err: err.join('') };
}

function props(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('kcl-ts status', () => {
  it('--help says where it looks and what the columns mean', async () => {
    const { code, out } = await status(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: kcl-ts status --properties FILE \[--json\]/);
    for (const word of ['owner', 'checkpoint', 'SHARD_END', 'lease counter', 'parent shards', 'behind', 'default credential chain']) expect(out).toContain(word);
  });

  it.each([
    [[], 'kcl-ts status: missing --properties FILE'],
    [['a.properties', 'b.properties'], 'kcl-ts status: unexpected argument: a.properties b.properties'],
    [['-p', 'a.properties', 'b.properties'], 'kcl-ts status: unexpected argument: b.properties'],
    [['--yaml'], expect.stringContaining("kcl-ts status: Unknown option '--yaml'")],
  ])('%j: exit 2, %s', async (args, message) => {
    const { code, err } = await status(args);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toEqual(message);
  });

  it('names a properties file it cannot read', async () => {
    const { code, err } = await status(['--properties', path.join(dir, 'none.properties')]);
    expect(code).toBe(2);
    expect(err).toMatch(/none\.properties: error: cannot read: ENOENT/);
  });

  it('needs an application name and a region, each said in one line', async () => {
    const noApp = props('no-app.properties', ['streamName = s', 'regionName = us-east-1']);
    expect(await status([noApp])).toEqual({ code: 1, out: '', err: `kcl-ts status: ${noApp} has no applicationName (the lease table's name)\n` });
    const noRegion = props('no-region.properties', ['applicationName = a']);
    const env = { ...process.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
    expect(await status([noRegion], env)).toEqual({ code: 1, out: '', err: `kcl-ts status: no region: set regionName in ${noRegion} or AWS_REGION\n` });
  });

  it('says which endpoint it cannot reach', async () => {
    const port = await freePort(); // free a moment ago: nothing listens there
    const file = props('closed.properties', ['applicationName = app', 'streamName = s', 'regionName = us-east-1', `dynamoDBEndpoint = http://127.0.0.1:${port}`]);
    const { code, out, err } = await status(['-p', file]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      `kcl-ts status: cannot reach DynamoDB at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): are the stand-ins running (kcl-ts dev --keep)?\n`,
    );
  });

  it('says when the default credential chain finds no credentials', async () => {
    // Nothing for the chain to find, and no instance metadata service to ask.
    const home = mkdtempSync(path.join(tmpdir(), 'kcl-ts-status-home-'));
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_CONFIG_FILE', path.join(home, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(home, 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const file = props('aws.properties', ['applicationName = app', 'streamName = s', 'regionName = eu-west-1']);
    const { code, err } = await status([file], process.env);
    expect(code).toBe(1);
    expect(err).toBe(
      'kcl-ts status: no AWS credentials for DynamoDB in eu-west-1: the default chain (environment, ~/.aws profiles, SSO, container and instance roles) found none; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n',
    );
  });
});
