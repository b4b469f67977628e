import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, main, type CliIO } from '../../src/cli/main.js';
import { environmentHints } from '../../src/cli/commands/run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function capture(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env, cwd };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

let dir: string;
let goodProps: string;
let badProps: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-cli-'));
  goodProps = path.join(dir, 'good.properties');
  writeFileSync(
    goodProps,
    [
      'executableName = /bin/sh child.sh',
      'streamName = demo',
      'applicationName = demo-app',
      'AwsCredentialsProvider = DefaultCredentialsProvider',
      'shutdownGraceMillis = 30000',
      'timeoutInSeconds = 42',
    ].join('\n'),
  );
  badProps = path.join(dir, 'bad.properties');
  writeFileSync(badProps, ['executableName = /bin/sh', 'streamName = demo', 'maxRecrods = 100'].join('\n'));
});

describe('top level', () => {
  it('--help lists every command and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const cmd of COMMANDS) expect(c.out()).toContain(`  ${cmd.name}`);
    expect(c.out()).toMatch(/^Usage: kcl-ts <command>/);
  });

  it('--version prints the package version', async () => {
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(c.out()).toBe(`${pkg.version}\n`);
  });

  it('no arguments: usage on stderr, exit 2', async () => {
    const c = capture();
    expect(await main([], c.io)).toBe(2);
    expect(c.err()).toContain('Usage: kcl-ts');
  });

  it('unknown command or option: error + usage, exit 2', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err()).toContain('unknown command: frobnicate');
    expect(c.err()).toContain('Usage: kcl-ts <command>');
    const d = capture();
    expect(await main(['--frob'], d.io)).toBe(2);
    expect(d.err()).toContain('unknown option: --frob');
  });

  it('every command has --help, exit 0, starting with its usage line', async () => {
    for (const cmd of COMMANDS) {
      const c = capture();
      expect(await main([cmd.name, '--help'], c.io)).toBe(0);
      expect(c.out()).toMatch(new RegExp(`^Usage: kcl-ts ${cmd.name}`));
      const h = capture();
      expect(await main(['help', cmd.name], h.io)).toBe(0);
      expect(h.out()).toBe(c.out());
    }
  });

  it('an unknown flag on a command prints that command\'s usage, exit 2', async () => {
    const c = capture();
    expect(await main(['run', '--properties', goodProps, '--bogus'], c.io)).toBe(2);
    expect(c.err()).toContain("Unknown option '--bogus'");
    expect(c.err()).toContain('Usage: kcl-ts run');
  });
});

describe('validate', () => {
  it('OK file: exit 0', async () => {
    const c = capture(dir);
    expect(await main(['validate', 'good.properties'], c.io)).toBe(0);
    expect(c.out()).toBe('good.properties: OK\n');
  });

  it('errors: exit 1, each line names file, line and key', async () => {
    const c = capture(dir);
    expect(await main(['validate', 'bad.properties'], c.io)).toBe(1);
    expect(c.out()).toContain("bad.properties:3: warning: maxRecrods: unknown key, the daemon ignores it; did you mean 'maxRecords'?");
    expect(c.out()).toContain('bad.properties: error: applicationName: missing');
    expect(c.out()).toMatch(/bad\.properties: 2 error\(s\), \d+ warning\(s\)\n$/);
  });

  it('--strict fails on warnings', async () => {
    const p = path.join(dir, 'warn.properties');
    writeFileSync(p, `${readFileSync(goodProps, 'utf8')}\nStreamName = x\n`);
    expect(await main(['validate', p], capture(dir).io)).toBe(0);
    expect(await main(['validate', '--strict', p], capture(dir).io)).toBe(1);
  });

  it('missing file argument: exit 2', async () => {
    const c = capture();
    expect(await main(['validate'], c.io)).toBe(2);
    expect(c.err()).toContain('missing <file.properties>');
  });
});

describe('jars', () => {
  it('refuses a non-HTTPS repository before downloading anything', async () => {
    const c = capture(dir);
    const code = await main(['jars', '--cache-dir', path.join(dir, 'cache'), '--maven-repo', 'http://repo.example.com/m2', '-q'], c.io);
    expect(code).toBe(1);
    expect(c.err()).toContain('only https://');
    expect(c.out()).toBe('');
  });
});

describe('run', () => {
  it('requires --properties', async () => {
    const c = capture();
    expect(await main(['run'], c.io)).toBe(2);
    expect(c.err()).toContain('missing --properties FILE');
  });

  it('does not start the daemon when validation fails', async () => {
    const c = capture(dir, { PATH: '/nonexistent' });
    expect(await main(['run', '--properties', badProps, '--java', '/nonexistent/java'], c.io)).toBe(1);
    expect(c.err()).toContain('not starting the daemon');
  });

  it('reports a missing Java clearly', async () => {
    const jarDir = path.join(dir, 'jars-java');
    mkdirSync(jarDir, { recursive: true });
    writeFileSync(path.join(jarDir, 'amazon-kinesis-client-multilang-3.1.3.jar'), '');
    const c = capture(dir, { PATH: '/nonexistent' });
    expect(await main(['run', '--properties', goodProps, '--jar-dir', jarDir], c.io)).toBe(1);
    expect(c.err()).toContain('no Java runtime found');
  });

  /** Start the real CLI as a process with a fake `java`; returns helpers. */
  function startCli(signalName: 'SIGTERM' | 'SIGINT') {
    const home = path.join(dir, `jdk-${signalName}`);
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    const out = path.join(dir, `out-${signalName}`);
    const fake = path.join(home, 'bin', 'java');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'if [ "$1" = "-version" ]; then echo \'openjdk version "17.0.1" 2021-10-19\' >&2; exit 0; fi',
        `printf '%s\\n' "$@" > "${out}.args"`,
        `echo "$KCL_TS_TIMEOUT_SECONDS" > "${out}.timeout"`,
        `cut -d' ' -f5 /proc/$$/stat > "${out}.pgid"`,
        `trap 'echo TERM > "${out}.signal"; exit 7' TERM`,
        `trap 'echo INT > "${out}.signal"; exit 8' INT`,
        `echo ready > "${out}.ready"`,
        'while true; do sleep 0.05; done',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    const jarDir = path.join(dir, `jars-${signalName}`);
    mkdirSync(jarDir, { recursive: true });
    writeFileSync(path.join(jarDir, 'amazon-kinesis-client-multilang-3.1.3.jar'), '');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'run', '--properties', goodProps, '--jar-dir', jarDir],
      // cwd: the repository, so that `--import tsx` resolves.
      { cwd: repoRoot, env: { ...process.env, JAVA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, out, exited, stderr: () => stderr, jarDir };
  }

  async function waitFor(file: string, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!existsSync(file)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${file}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it.each([
    ['SIGTERM', 'TERM', 7],
    ['SIGINT', 'INT', 8],
  ] as const)(
    'starts java with the argument vector, forwards %s to it alone and exits with its status',
    async (sig, seen, status) => {
      const r = startCli(sig);
      try {
        await waitFor(`${r.out}.ready`);
      } catch (e) {
        r.child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}\n${r.stderr()}`);
      }
      expect(readFileSync(`${r.out}.args`, 'utf8').trim().split('\n')).toEqual([
        '-cp',
        `${r.jarDir}/*`,
        'software.amazon.kinesis.multilang.MultiLangDaemon',
        '--properties-file',
        goodProps,
      ]);
      expect(readFileSync(`${r.out}.timeout`, 'utf8').trim()).toBe('42');
      // The JVM leads its own process group, so a group-wide signal would not reach it.
      expect(Number(readFileSync(`${r.out}.pgid`, 'utf8').trim())).not.toBe(r.child.pid);
      r.child.kill(sig);
      expect(await r.exited).toBe(status);
      expect(readFileSync(`${r.out}.signal`, 'utf8').trim()).toBe(seen);
      expect(r.stderr()).toContain(`${sig}: asking the daemon to shut down`);
    },
    30_000,
  );
});

describe('environmentHints', () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, { value: v }]));
  it('leaves credentials to the check before the JVM starts (test/cli/run-fail-fast-preflight.test.ts)', () => {
    const props = m({ kinesisEndpoint: 'http://127.0.0.1:4568', AwsCredentialsProvider: 'DefaultCredentialsProvider', regionName: 'us-east-1' });
    expect(environmentHints(props, {})).toEqual([]);
  });
  it('asks for a region when neither the file nor the environment has one', () => {
    const props = m({ AwsCredentialsProvider: 'DefaultCredentialsProvider' });
    expect(environmentHints(props, {})).toEqual([expect.stringContaining('AWS_REGION')]);
    expect(environmentHints(props, { AWS_REGION: 'eu-west-1' })).toEqual([]);
  });
});
