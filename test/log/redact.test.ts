import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createLogger } from '../../src/log/logger.js';
import { maskSecrets } from '../../src/log/redact.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

describe('maskSecrets', () => {
  it.each([
    [`aws_secret_access_key = ${SECRET}`, 'aws_secret_access_key = ****'],
    [`{"secretAccessKey":"${SECRET}"}`, '{"secretAccessKey":"****"}'],
    [`AWS_SECRET_ACCESS_KEY=${SECRET} node app.js`, 'AWS_SECRET_ACCESS_KEY=**** node app.js'],
    [`key id ${KEY_ID} in use`, 'key id AKIA**** in use'],
    [`oops: ${SECRET}.`, 'oops: ****.'],
    ['password: hunter2', 'password: ****'],
    ['sessionToken=abc123&x=1', 'sessionToken=****&x=1'],
  ])('masks %s', (input, masked) => {
    expect(maskSecrets(input)).toBe(masked);
    expect(maskSecrets(input)).not.toContain(SECRET);
  });

  it('leaves sequence numbers, shard ids and ordinary text alone', () => {
    const text = 'checkpoint at 49680505993805844606337336502500757501366790287444148226 for shardId-000000000000; AwsCredentialsProvider = DefaultCredentialsProvider';
    expect(maskSecrets(text)).toBe(text);
  });
});

describe('no secret in any log line', () => {
  it('the child’s logger masks secret keys, messages and errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-redact-'));
    const file = join(dir, 'log');
    const logger = createLogger('info', file);
    logger.info({ secretAccessKey: SECRET, nested: { password: 'hunter2' } }, 'configured');
    logger.warn(`got aws_secret_access_key=${SECRET} from ${KEY_ID}`);
    logger.error({ err: new Error(`cannot sign with ${SECRET}`) }, 'failed');
    logger.flush();
    const text = readFileSync(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(KEY_ID);
    expect(text).toContain('****');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kcl-ts masks secrets in what it prints about a properties file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcl-ts-redact-'));
    const file = join(dir, 'app.properties');
    writeFileSync(file, `executableName = node app.js\nstreamName = s\napplicationName = a\nAwsCredentialsProvider = DefaultCredentialsProvider\naws_secret_access_key = ${SECRET}\nsecretKey: ${SECRET}\n`);
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), env: process.env, cwd: dir };
    await main(['validate', '--no-exec', file], io);
    expect(out).toMatch(/aws_secret_access_key/); // the unknown key is reported…
    expect(out).not.toContain(SECRET); // …without its value
    rmSync(dir, { recursive: true, force: true });
  });
});
