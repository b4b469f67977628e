/**
 * `kcl-ts lock` and `--lock`: argument errors by name; the failures a user can meet
 * (no mvn, a version Maven cannot resolve, a corrupt or foreign lock); and, with the real
 * Maven and Maven Central (~25 s with a warm Maven repository, ~1 min cold), a 3.1.3 lock
 * equal to the built-in one, which `kcl-ts run --lock` then refuses, naming the jar, once
 * one of its checksums is altered, before any JVM starts.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DYNAMODB_LOCAL_LOCK_FILE, kclMultilangLock } from '../../src/host/jars/bundled.js';
import { readArtifactLock, serializeArtifactLock } from '../../src/host/jars/lock-file.js';
import { main, type CliIO } from '../../src/cli/main.js';
import { mavenLocalRepository, serveMavenRepository } from './fixtures/local-maven-repo.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-lock-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function capture(env: NodeJS.ProcessEnv = process.env) {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env, cwd: work };
  return { io, out: () => out, err: () => err };
}

async function cli(argv: string[], env?: NodeJS.ProcessEnv) {
  const c = capture(env);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

const props = path.join(work, 'app.properties');
writeFileSync(props, 'executableName = /bin/sh child.sh\nstreamName = s\napplicationName = a\nAwsCredentialsProvider = DefaultCredentialsProvider\nregionName = us-east-1\nshutdownGraceMillis = 5000\n');

describe('kcl-ts lock: arguments', () => {
  it.each([
    [['lock', '--out', 'k.json'], 'missing --kcl-version VERSION'],
    [['lock', '--kcl-version', '3.1.3'], 'missing --out FILE'],
    [['lock', '--kcl-version', '../3.1.3', '--out', 'k.json'], '--kcl-version "../3.1.3": expected a version such as 3.1.3'],
    [['lock', '--kcl-version', '3.1.3', '--out', 'k.txt'], '--out k.txt: a lock is JSON; name it *.json'],
    [['lock', '--kcl-version', '3.1.3', '--out', 'k.json', 'extra'], "Unexpected argument 'extra'"],
    [['lock', '--kcl-version'], "Option '--kcl-version <value>' argument missing"],
  ])('%j: exit 2 with the usage, naming the argument', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain('Usage: kcl-ts lock --kcl-version VERSION --out FILE');
  });

  it('--help says what it does and how the lock is used', async () => {
    const r = await cli(['lock', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('software.amazon.kinesis:amazon-kinesis-client-multilang:VERSION');
    expect(r.out).toContain('kcl-ts run --lock FILE');
  });

  it('an --out directory that does not exist is named before Maven runs', async () => {
    const r = await cli(['lock', '--kcl-version', '3.1.3', '--out', 'no/such/dir/k.json', '--mvn', '/nonexistent/mvn']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`kcl-ts lock: --out no/such/dir/k.json: no directory ${path.join(work, 'no/such/dir')}\n`);
  });

  it('no mvn on PATH: one line, install Maven or use the built-in lock', async () => {
    const r = await cli(['lock', '--kcl-version', '3.1.3', '--out', 'k.json'], { ...process.env, PATH: '/nonexistent' });
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines.at(-1)).toBe(
      'kcl-ts lock: mvn not found on PATH: install Maven (https://maven.apache.org, or e.g. "apt-get install maven") to make a lock, or run without --lock to use the built-in lock (KCL 3.1.3); --mvn PATH names another Maven',
    );
    expect(lines.filter((l) => l.startsWith('kcl-ts lock:'))).toHaveLength(1);
    expect(existsSync(path.join(work, 'k.json'))).toBe(false);
  });

  it('--mvn naming a file that is not there', async () => {
    const r = await cli(['lock', '--kcl-version', '3.1.3', '--out', 'k.json', '--mvn', '/nonexistent/mvn']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('kcl-ts lock: /nonexistent/mvn not found: install Maven');
  });
});

describe('--lock: a lock that cannot be used is named before anything starts', () => {
  const bad = path.join(work, 'bad.lock.json');
  writeFileSync(bad, '{"lockFormat": 1, "name": ');

  it.each([['run', '-p', props, '--lock', bad], ['jars', '--lock', bad]])('%s: a corrupt lock', async (...argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}: not valid JSON`);
  });

  it('run: an unreadable lock', async () => {
    const r = await cli(['run', '-p', props, '--lock', 'missing.lock.json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path.join(work, 'missing.lock.json')}: cannot read the lock: ENOENT`);
  });

  it("run: a lock that is not the KCL MultiLangDaemon's", async () => {
    const r = await cli(['run', '-p', props, '--lock', DYNAMODB_LOCAL_LOCK_FILE]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${DYNAMODB_LOCAL_LOCK_FILE}: root is software.amazon.dynamodb:DynamoDBLocal:3.3.1, not software.amazon.kinesis:amazon-kinesis-client-multilang`);
  });

  it('run: --lock with --jar-dir is a usage error', async () => {
    const r = await cli(['run', '-p', props, '--lock', bad, '--jar-dir', work]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--lock and --jar-dir exclude each other');
  });
});

describe('with Maven (Maven Central)', () => {
  const lockFile = path.join(work, 'kcl.lock.json');

  it('a version Maven cannot resolve is named', async () => {
    const r = await cli(['lock', '--kcl-version', '0.0.0-kcl-ts-test', '--out', 'none.json']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toMatch(
      /^kcl-ts lock: Maven cannot resolve software\.amazon\.kinesis:amazon-kinesis-client-multilang:0\.0\.0-kcl-ts-test: .*amazon-kinesis-client-multilang:jar:0\.0\.0-kcl-ts-test/,
    );
    expect(existsSync(path.join(work, 'none.json'))).toBe(false);
  }, 240_000);

  it('--kcl-version 3.1.3 writes a lock equal to the built-in one in artifacts and checksums', async () => {
    const r = await cli(['lock', '--kcl-version', '3.1.3', '--out', 'kcl.lock.json']);
    expect(r.err).toMatch(/kcl-ts: wrote kcl\.lock\.json: 131 files, \d+\.\d MB/);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${lockFile}\n`);
    const written = readArtifactLock(lockFile);
    const builtIn = kclMultilangLock();
    expect(written.artifacts).toEqual(builtIn.artifacts);
    expect({ name: written.name, root: written.root }).toEqual({ name: builtIn.name, root: builtIn.root });
    expect(written.generatedBy).toBe('kcl-ts lock --kcl-version 3.1.3');
  }, 240_000);

  it('run --lock with one checksum altered fails naming the jar, expected and actual, before any JVM starts', async () => {
    const lock = readArtifactLock(lockFile);
    const root = lock.artifacts.find((a) => a.artifact === 'amazon-kinesis-client-multilang')!;
    const actual = root.sha256;
    root.sha256 = `${actual.slice(0, 63)}${actual.endsWith('0') ? '1' : '0'}`;
    const altered = path.join(work, 'altered.lock.json');
    writeFileSync(altered, serializeArtifactLock(lock));

    const javaHome = path.join(work, 'jdk');
    mkdirSync(path.join(javaHome, 'bin'), { recursive: true });
    const javaLog = path.join(work, 'java.log');
    writeFileSync(path.join(javaHome, 'bin', 'java'), `#!/bin/sh\necho "$*" >> ${javaLog}\n[ "$1" = "-version" ] && echo 'openjdk version "17.0.15"' >&2\nexit 0\n`);
    chmodSync(path.join(javaHome, 'bin', 'java'), 0o755);
    const repo = await serveMavenRepository(mavenLocalRepository());
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'run', '-p', props, '--lock', altered, '--maven-repo', repo.url], {
        cwd: ROOT,
        env: { ...process.env, JAVA_HOME: javaHome, KCL_TS_CACHE_DIR: path.join(work, 'cache'), AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      const code = await new Promise<number | null>((r) => child.on('close', r));
      expect(code).toBe(1);
      expect(err).toContain(
        `kcl-ts: failed to download software.amazon.kinesis:amazon-kinesis-client-multilang:3.1.3 (${repo.url}/software/amazon/kinesis/amazon-kinesis-client-multilang/3.1.3/amazon-kinesis-client-multilang-3.1.3.jar): SHA-256 mismatch: expected ${root.sha256}, got ${actual}`,
      );
      expect(err).not.toContain('starting the MultiLangDaemon');
      expect(repo.served).toContain('software/amazon/kinesis/amazon-kinesis-client-multilang/3.1.3/amazon-kinesis-client-multilang-3.1.3.jar');
      // Java was looked at (-version), never started as the daemon.
      const invocations = existsSync(javaLog) ? readFileSync(javaLog, 'utf8').trim().split('\n') : [];
      expect(invocations.filter((l) => l.includes('MultiLangDaemon'))).toEqual([]);
    } finally {
      await repo.close();
    }
  }, 120_000);
});
