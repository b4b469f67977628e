/**
 * `kcl-ts run` fails fast, as a process: before the JVM (an endpoint on loopback where
 * nothing listens, a local run without credentials: one line, exit 2, no java started),
 * and after it (a stand-in java playing back what the real daemon 3.1.3 printed when its
 * start failed: the output passes through byte for byte, the daemon is ended when it keeps
 * retrying, kcl-ts exits 1 with one summary line after the daemon's output).
 * The same against the real daemon: test/e2e/run-fail-fast.e2e.test.ts.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/ports.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const FIXTURES = path.join(ROOT, 'test/cli/fixtures');
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-fail-fast-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const javaHome = path.join(work, 'jdk');
mkdirSync(path.join(javaHome, 'bin'), { recursive: true });
writeFileSync(path.join(javaHome, 'bin', 'java'), `#!/bin/sh\nexec ${process.execPath} ${path.join(FIXTURES, 'replay-java.mjs')} "$@"\n`);
chmodSync(path.join(javaHome, 'bin', 'java'), 0o755);
const jarDir = path.join(work, 'jars');
mkdirSync(jarDir);
writeFileSync(path.join(jarDir, 'amazon-kinesis-client-multilang-3.1.3.jar'), '');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

const BASE = ['executableName = /bin/sh child.sh', 'streamName = s', 'applicationName = a', 'AwsCredentialsProvider = DefaultCredentialsProvider', 'regionName = us-east-1', 'shutdownGraceMillis = 5000'];

let count = 0;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the stand-in java logged: its invocations (not -version) and the signals it got. */
  java: Array<{ argv?: string[]; signal?: string }>;
}

function run(lines: string[], opts: { steps?: unknown[]; env?: Record<string, string | undefined>; args?: string[] } = {}): Promise<Run> {
  const dir = path.join(work, `run-${++count}`);
  mkdirSync(dir);
  const file = path.join(dir, 'app.properties');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const javaLog = path.join(dir, 'java.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JAVA_HOME: javaHome,
    FAKE_JAVA_LOG: javaLog,
    FAKE_JAVA_STEPS: JSON.stringify(opts.steps ?? [{ exit: 0 }]),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    NODE_NO_WARNINGS: '1',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'run', '-p', file, '--jar-dir', jarDir, ...(opts.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const java = existsSync(javaLog) ? readFileSync(javaLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Run['java'][number]) : [];
      resolve({ code, stdout, stderr, java });
    }),
  );
}

const kcltsLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('kcl-ts: '));

describe('before the JVM', () => {
  it('an endpoint on loopback where nothing listens: one line naming the key and the address, exit 2, no java', async () => {
    const port = await freePort(); // bound and closed a moment ago: nothing listens there
    const listening = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => listening.listen(0, '127.0.0.1', r));
    try {
      const kinesis = `http://127.0.0.1:${(listening.address() as net.AddressInfo).port}`;
      const r = await run([...BASE, `kinesisEndpoint = ${kinesis}`, `dynamoDBEndpoint = http://127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`kcl-ts: dynamoDBEndpoint = http://127.0.0.1:${port}: nothing listens there (connection refused)\n`);
      expect(r.java).toEqual([]);
    } finally {
      listening.close();
    }
  });

  it('a local run without credentials: one line saying what to set, exit 2, no java', async () => {
    const listening = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => listening.listen(0, '127.0.0.1', r));
    try {
      const url = `http://localhost:${(listening.address() as net.AddressInfo).port}`;
      const home = path.join(work, 'empty-home');
      mkdirSync(home, { recursive: true });
      const r = await run([...BASE, `kinesisEndpoint = ${url}`, `dynamoDBEndpoint = ${url}`], {
        env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined },
      });
      expect(r.code).toBe(2);
      expect(kcltsLines(r.stderr)).toEqual([expect.stringContaining('no AWS credentials for the daemon: AwsCredentialsProvider = DefaultCredentialsProvider')]);
      expect(r.stderr).toContain('for local stand-ins, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to any value (e.g. both to local)');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.java).toEqual([]);
    } finally {
      listening.close();
    }
  });

  it('--no-preflight starts the daemon anyway', async () => {
    const port = await freePort();
    const r = await run([...BASE, `dynamoDBEndpoint = http://127.0.0.1:${port}`], { args: ['--no-preflight'] });
    expect(r.code).toBe(0);
    expect(r.java).toHaveLength(1);
  });
});

describe('after the JVM started', () => {
  it('a daemon that keeps retrying a failed start is ended after 2 failures: its output unchanged, then one summary line, exit 1', async () => {
    const r = await run(BASE, { steps: [{ stdout: 'daemon-3.1.3-refused.stdout' }, { hang: true }] });
    expect(r.code).toBe(1);
    expect(r.java.map((e) => e.signal).filter(Boolean)).toEqual(['SIGTERM']);
    const played = fixture('daemon-3.1.3-refused.stdout');
    // Byte for byte, then the stand-in's own shutdown-hook line.
    expect(r.stdout.startsWith(played)).toBe(true);
    expect(r.stdout.slice(played.length)).toMatch(/^[^\n]*Process terminated, will initiate shutdown\. \n$/);
    const last = r.stderr.trimEnd().split('\n').at(-1);
    expect(last).toBe(
      'kcl-ts: the daemon could not start: java.lang.RuntimeException: software.amazon.awssdk.core.exception.SdkClientException: Unable to execute HTTP request: Connection refused: /127.0.0.1:45992 (SDK Attempt Count: 9)',
    );
  });

  it('--startup-attempts 0 leaves the retries to the daemon; when it gives up and exits 0, kcl-ts exits 1', async () => {
    const r = await run(BASE, { args: ['--startup-attempts', '0'], steps: [{ stdout: 'daemon-3.1.3-refused.stdout' }, { stdout: 'daemon-3.1.3-gave-up.stdout' }, { exit: 0 }] });
    expect(r.code).toBe(1);
    expect(r.java.filter((e) => e.signal)).toEqual([]);
    expect(r.stdout).toBe(fixture('daemon-3.1.3-refused.stdout') + fixture('daemon-3.1.3-gave-up.stdout'));
    expect(kcltsLines(r.stderr).at(-1)).toMatch(/^kcl-ts: the daemon could not start: java\.lang\.RuntimeException: .*Connection refused: \/127\.0\.0\.1:45992 \(SDK Attempt Count: 9\)$/);
  });

  it('a daemon whose set-up fails in main() (exit 1): stdout and stderr each passed through, the exception as the cause', async () => {
    const r = await run(BASE, { steps: [{ stderr: 'daemon-3.1.3-bad-enum.stderr' }, { stdout: 'daemon-3.1.3-bad-enum.stdout' }, { exit: 1 }] });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(fixture('daemon-3.1.3-bad-enum.stdout'));
    expect(r.stderr).toContain(fixture('daemon-3.1.3-bad-enum.stderr'));
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'kcl-ts: the daemon could not start: java.lang.IllegalArgumentException: No enum constant software.amazon.kinesis.common.InitialPositionInStream.BOGUS',
    );
  });

  it('one failed attempt, then a start: no summary, the daemon keeps its own status', async () => {
    const refused = fixture('daemon-3.1.3-refused.stdout');
    const oneAttempt = refused.slice(0, refused.indexOf('Initializing LeaseCoordinator attempt 2'));
    const file = path.join(work, 'one-attempt-then-started.stdout');
    writeFileSync(file, `${oneAttempt.slice(0, oneAttempt.lastIndexOf('\n') + 1)}`);
    const r = await run(BASE, { steps: [{ stdout: file }, { stdout: 'daemon-3.1.3-started.stdout' }, { exit: 0 }] });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('could not start');
    expect(r.java.filter((e) => e.signal)).toEqual([]);
  });

  it('a daemon that exits non-zero with no start-up failure keeps its status and gets no summary', async () => {
    const r = await run(BASE, { steps: [{ stdout: 'daemon-3.1.3-started.stdout' }, { exit: 3 }] });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(fixture('daemon-3.1.3-started.stdout'));
    expect(r.stderr).not.toContain('could not start');
  });
});

describe('arguments', () => {
  it.each([['-1'], ['21'], ['two']])('--startup-attempts %s is refused by name', async (value) => {
    const r = await run(BASE, { args: [`--startup-attempts=${value}`] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--startup-attempts "${value}": expected a whole number from 0 to 20`);
    expect(r.java).toEqual([]);
  });
});
