import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { ArtifactLock } from '../../src/host/jars/artifact.js';
import { lockDir } from '../../src/host/jars/cache.js';
import {
  checkJarDir,
  daemonCommand,
  DAEMON_MAIN_CLASS,
  prepareDaemon,
  SHUTDOWN_GRACE_ENV,
  startDaemon,
  TIMEOUT_ENV,
} from '../../src/host/launch.js';

let dir: string;
let props: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-launch-'));
  props = path.join(dir, 'app.properties');
  writeFileSync(props, 'executableName = node app.js\ntimeoutInSeconds = 42\nshutdownGraceMillis = 25000\n');
});

describe('daemonCommand', () => {
  it('builds an argument vector with an absolute properties path and a class-path wildcard', () => {
    const rel = path.relative(process.cwd(), props);
    const cmd = daemonCommand({
      propertiesFile: rel,
      javaPath: '/opt/java/bin/java',
      jarDir: '/opt/kcl jars',
      javaOptions: ['-Xmx128m'],
      env: { PATH: '/usr/bin' },
    });
    expect(cmd.command).toBe('/opt/java/bin/java');
    expect(cmd.args).toEqual(['-Xmx128m', '-cp', '/opt/kcl jars/*', DAEMON_MAIN_CLASS, '--properties-file', props]);
  });

  it('passes timeoutInSeconds to the children as KCL_TS_TIMEOUT_SECONDS', () => {
    expect(daemonCommand({ propertiesFile: props, env: {} }).env[TIMEOUT_ENV]).toBe('42');
    const p2 = path.join(dir, 'no-timeout.properties');
    writeFileSync(p2, 'executableName = node app.js\n');
    expect(daemonCommand({ propertiesFile: p2, env: {} }).env[TIMEOUT_ENV]).toBeUndefined();
    // An explicit value in the environment wins.
    expect(daemonCommand({ propertiesFile: props, env: { [TIMEOUT_ENV]: '5' } }).env[TIMEOUT_ENV]).toBe('5');
  });

  it('passes shutdownGraceMillis to the children as KCL_TS_SHUTDOWN_GRACE_MILLIS', () => {
    expect(SHUTDOWN_GRACE_ENV).toBe('KCL_TS_SHUTDOWN_GRACE_MILLIS');
    expect(daemonCommand({ propertiesFile: props, env: {} }).env[SHUTDOWN_GRACE_ENV]).toBe('25000');
    const p2 = path.join(dir, 'no-grace.properties');
    writeFileSync(p2, 'executableName = node app.js\ntimeoutInSeconds = 42\n');
    expect(daemonCommand({ propertiesFile: p2, env: {} }).env[SHUTDOWN_GRACE_ENV]).toBeUndefined();
    // 0 is the daemon's "no graceful stop": nothing to bound.
    const p3 = path.join(dir, 'zero-grace.properties');
    writeFileSync(p3, 'executableName = node app.js\nshutdownGraceMillis = 0\n');
    expect(daemonCommand({ propertiesFile: p3, env: {} }).env[SHUTDOWN_GRACE_ENV]).toBeUndefined();
    // An explicit value in the environment wins, and does not stop the timeout being read.
    const cmd = daemonCommand({ propertiesFile: props, env: { [SHUTDOWN_GRACE_ENV]: '100' } });
    expect(cmd.env[SHUTDOWN_GRACE_ENV]).toBe('100');
    expect(cmd.env[TIMEOUT_ENV]).toBe('42');
  });

  it('leaves both unset for an unreadable properties file (the daemon reports it)', () => {
    const env = daemonCommand({ propertiesFile: path.join(dir, 'absent.properties'), env: {} }).env;
    expect(env[TIMEOUT_ENV]).toBeUndefined();
    expect(env[SHUTDOWN_GRACE_ENV]).toBeUndefined();
  });

  it('defaults to $JAVA_HOME/bin/java, else java', () => {
    expect(daemonCommand({ propertiesFile: props, env: { JAVA_HOME: '/jdk' } }).command).toBe('/jdk/bin/java');
    expect(daemonCommand({ propertiesFile: props, env: {} }).command).toBe('java');
  });

  it('adds --log-configuration when asked', () => {
    const args = daemonCommand({ propertiesFile: props, env: {}, logConfiguration: '/etc/logback.xml' }).args;
    expect(args.slice(-2)).toEqual(['--log-configuration', '/etc/logback.xml']);
  });
});

describe('startDaemon', () => {
  it('spawns without a shell, in its own process group, with the env', async () => {
    const fake = path.join(dir, 'fakejava');
    const out = path.join(dir, 'out');
    writeFileSync(
      fake,
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${out}.args"\necho "$${TIMEOUT_ENV} $${SHUTDOWN_GRACE_ENV}" > "${out}.env"\ncut -d' ' -f5 /proc/$$/stat > "${out}.pgid"\necho $$ > "${out}.pid"\n`,
    );
    chmodSync(fake, 0o755);
    const child = startDaemon({ propertiesFile: props, javaPath: fake, jarDir: '/j', env: { PATH: process.env['PATH'] }, stdio: 'ignore' });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(readFileSync(`${out}.args`, 'utf8').trim().split('\n')).toEqual(['-cp', '/j/*', DAEMON_MAIN_CLASS, '--properties-file', props]);
    expect(readFileSync(`${out}.env`, 'utf8').trim()).toBe('42 25000');
    // Its own process group: pgid == its pid.
    expect(readFileSync(`${out}.pgid`, 'utf8').trim()).toBe(readFileSync(`${out}.pid`, 'utf8').trim());
  });
});

describe('checkJarDir', () => {
  it('requires the multilang jar', () => {
    const d = path.join(dir, 'jars');
    mkdirSync(d);
    expect(() => checkJarDir(d)).toThrow(/no amazon-kinesis-client-multilang-\*\.jar/);
    writeFileSync(path.join(d, 'amazon-kinesis-client-multilang-3.1.3.jar'), '');
    expect(checkJarDir(d)).toBe(d);
    expect(() => checkJarDir(path.join(dir, 'nope'))).toThrow(/--jar-dir/);
    expect(existsSync(d)).toBe(true);
  });
});

describe('prepareDaemon', () => {
  it('makes sure of the jars of the lock it is given (a lock for another KCL version), not the bundled one', async () => {
    const cacheDir = path.join(dir, 'cache');
    const jar = Buffer.from('pretend multilang jar');
    const lock: ArtifactLock = {
      name: 'kcl-multilang',
      root: 'software.amazon.kinesis:amazon-kinesis-client-multilang:9.9.9',
      artifacts: [
        {
          group: 'software.amazon.kinesis',
          artifact: 'amazon-kinesis-client-multilang',
          version: '9.9.9',
          extension: 'jar',
          sha256: createHash('sha256').update(jar).digest('hex'),
        },
      ],
    };
    // Already in the cache, so nothing is downloaded.
    const jarDir = lockDir(lock, cacheDir);
    mkdirSync(jarDir, { recursive: true });
    writeFileSync(path.join(jarDir, 'amazon-kinesis-client-multilang-9.9.9.jar'), jar);
    const fake = path.join(dir, 'fakejava-version');
    writeFileSync(fake, `#!/bin/sh\necho 'openjdk version "17.0.1" 2021-10-19' >&2\n`);
    chmodSync(fake, 0o755);
    const prepared = await prepareDaemon({ lock, cacheDir, javaPath: fake, repositoryUrl: 'http://127.0.0.1:9/' });
    expect(prepared.jarDir).toBe(jarDir);
    expect(prepared.java.major).toBe(17);
  });
});
