import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findJava, JavaNotFoundError, parseJavaVersion } from '../../src/host/java.js';

let root: string;

/** A fake `java` that prints a -version banner to stderr, like the real one. */
function fakeJava(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const p = path.join(dir, 'java');
  writeFileSync(
    p,
    `#!/bin/sh\n[ "$1" = "-version" ] || exit 3\necho 'openjdk version "${version}" 2025-04-15' >&2\necho 'OpenJDK Runtime Environment' >&2\n`,
  );
  chmodSync(p, 0o755);
  return p;
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'kcl-ts-java-'));
  fakeJava(path.join(root, 'home17', 'bin'), '17.0.15');
  fakeJava(path.join(root, 'path21'), '21.0.1');
  fakeJava(path.join(root, 'old', 'bin'), '1.7.0_80');
  fakeJava(path.join(root, 'java8', 'bin'), '1.8.0_392');
  mkdirSync(path.join(root, 'emptyhome'));
  const broken = path.join(root, 'broken');
  mkdirSync(broken);
  writeFileSync(path.join(broken, 'java'), '#!/bin/sh\necho "no version here" >&2\n');
  chmodSync(path.join(broken, 'java'), 0o755);
});

describe('parseJavaVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17, '17.0.15'],
    ['java version "1.8.0_392"', 8, '1.8.0_392'],
    ['openjdk version "11.0.2" 2019-01-15', 11, '11.0.2'],
    ['openjdk version "21" 2023-09-19', 21, '21'],
    ['openjdk version "23-ea" 2024-09-17', 23, '23-ea'],
  ])('%s', (out, major, version) => {
    expect(parseJavaVersion(out)).toEqual({ major, version });
  });
  it('returns undefined without a version', () => {
    expect(parseJavaVersion('Error: could not create the VM')).toBeUndefined();
  });
});

describe('findJava', () => {
  it('prefers --java over JAVA_HOME and PATH', async () => {
    const j = await findJava({
      javaPath: path.join(root, 'path21', 'java'),
      env: { JAVA_HOME: path.join(root, 'home17'), PATH: path.join(root, 'path21') },
    });
    expect(j).toMatchObject({ source: 'flag', major: 21 });
  });

  it('uses $JAVA_HOME/bin/java before PATH', async () => {
    const j = await findJava({ env: { JAVA_HOME: path.join(root, 'home17'), PATH: path.join(root, 'path21') } });
    expect(j).toEqual({ path: path.join(root, 'home17', 'bin', 'java'), major: 17, version: '17.0.15', source: 'JAVA_HOME' });
  });

  it('falls back to PATH when JAVA_HOME has no java', async () => {
    const j = await findJava({ env: { JAVA_HOME: path.join(root, 'emptyhome'), PATH: `/nonexistent:${path.join(root, 'path21')}` } });
    expect(j).toMatchObject({ source: 'PATH', major: 21, path: path.join(root, 'path21', 'java') });
  });

  it('names every place it looked when nothing is found', async () => {
    const err = await findJava({ env: { JAVA_HOME: path.join(root, 'emptyhome'), PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JavaNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain(path.join(root, 'emptyhome', 'bin', 'java'));
    expect(msg).toContain('PATH (/nonexistent)');
    expect(msg).toContain('--java');
  });

  it('says when JAVA_HOME is not set', async () => {
    const err = await findJava({ env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('$JAVA_HOME (not set)');
  });

  it('rejects a --java that is not an executable, without trying others', async () => {
    const err = await findJava({ javaPath: path.join(root, 'nope'), env: { PATH: path.join(root, 'path21') } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/--java .*nope.*not an executable/);
  });

  it('rejects a Java older than the KCL needs, naming version and minimum', async () => {
    const err = await findJava({ env: { JAVA_HOME: path.join(root, 'old') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JavaNotFoundError);
    expect((err as Error).message).toContain('Java 1.7.0_80');
    expect((err as Error).message).toContain('needs Java 8 or later');
    await expect(findJava({ env: { JAVA_HOME: path.join(root, 'java8') } })).resolves.toMatchObject({ major: 8 });
    await expect(findJava({ env: { JAVA_HOME: path.join(root, 'home17') }, minMajor: 21 })).rejects.toThrow(/needs Java 21/);
  });

  it('reports an unreadable version banner', async () => {
    await expect(findJava({ javaPath: path.join(root, 'broken', 'java') })).rejects.toThrow(/cannot read a version/);
  });

  it.skipIf(!process.env['PATH']?.split(':').some((d) => {
    try {
      return statSync(path.join(d, 'java')).isFile();
    } catch {
      return false;
    }
  }))('finds the real java on this machine', async () => {
    const { JAVA_HOME: _, ...env } = process.env;
    const j = await findJava({ env });
    expect(j.major).toBeGreaterThanOrEqual(8);
  });
});
