import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactLock } from '../../src/host/jars/artifact.js';
import { DYNAMODB_LOCAL_LOCK_FILE, KCL_MULTILANG_LOCK_FILE, kclMultilangLock } from '../../src/host/jars/bundled.js';
import { lockDirName } from '../../src/host/jars/cache.js';
import {
  LOCK_FORMAT,
  LockFileError,
  parseArtifactLock,
  readArtifactLock,
  serializeArtifactLock,
} from '../../src/host/jars/lock-file.js';

const SHA256 = 'a'.repeat(64);
const lock: ArtifactLock = {
  name: 'kcl-multilang',
  root: 'software.amazon.kinesis:amazon-kinesis-client-multilang:3.2.0',
  generatedBy: 'kcl-ts lock --kcl-version 3.2.0',
  artifacts: [
    { group: 'software.amazon.kinesis', artifact: 'amazon-kinesis-client-multilang', version: '3.2.0', extension: 'jar', sha256: SHA256, sha1: 'b'.repeat(40) },
    { group: 'io.netty', artifact: 'netty-transport-native-epoll', version: '4.1.118.Final', classifier: 'linux-x86_64', extension: 'jar', sha256: SHA256 },
  ],
};

/** The lock's JSON with one change made to the parsed object. */
function corrupted(edit: (json: Record<string, unknown> & { artifacts: Record<string, unknown>[] }) => void): string {
  const json = JSON.parse(serializeArtifactLock(lock)) as Record<string, unknown> & { artifacts: Record<string, unknown>[] };
  edit(json);
  return JSON.stringify(json);
}

function errorOf(text: string, source = 'my.lock.json'): LockFileError {
  try {
    parseArtifactLock(text, source);
  } catch (err) {
    if (err instanceof LockFileError) return err;
    throw err;
  }
  throw new Error('the lock was accepted');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-lock-file-'));
});

describe('lock file format', () => {
  it('a lock written is the lock read back, for another KCL version too', () => {
    const text = serializeArtifactLock(lock);
    expect(JSON.parse(text)).toMatchObject({ lockFormat: LOCK_FORMAT, name: 'kcl-multilang' });
    expect(parseArtifactLock(text, 'x.json')).toEqual(lock);
    const file = path.join(dir, 'kcl.lock.json');
    writeFileSync(file, text);
    expect(readArtifactLock(file)).toEqual(lock);
  });

  it('the bundled locks are in that format exactly (what scripts/lock-jars.ts writes)', () => {
    for (const file of [KCL_MULTILANG_LOCK_FILE, DYNAMODB_LOCAL_LOCK_FILE]) {
      const text = readFileSync(file, 'utf8');
      expect(serializeArtifactLock(parseArtifactLock(text, file))).toBe(text);
    }
    // The cache directory name did not change with the move from TypeScript to JSON:
    // jars already downloaded stay in use.
    expect(lockDirName(kclMultilangLock())).toBe('kcl-multilang-3.1.3-087c53cedd');
  });
});

describe('a corrupted lock is refused, naming the file and the place', () => {
  it('unreadable or not JSON', () => {
    expect(() => readArtifactLock(path.join(dir, 'absent.json'))).toThrow(/absent\.json: cannot read the lock: ENOENT/);
    const truncated = path.join(dir, 'truncated.json');
    writeFileSync(truncated, serializeArtifactLock(lock).slice(0, 200));
    expect(() => readArtifactLock(truncated)).toThrow(new RegExp(`^${truncated.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
  });

  it('a damaged hash, a missing field, an unknown format', () => {
    const bad = errorOf(corrupted((j) => (j.artifacts[1]!.sha256 = 'A'.repeat(63))));
    expect(bad.message).toBe('my.lock.json: not a valid kcl-ts artifact lock: artifacts[1].sha256: expected 64 lowercase hex digits');
    expect(bad.file).toBe('my.lock.json');
    expect(errorOf(corrupted((j) => delete j.artifacts[0]!.version)).message).toMatch(/artifacts\[0\]\.version: /);
    expect(errorOf(corrupted((j) => (j.lockFormat = 2))).message).toMatch(/lockFormat: expected 1: this kcl-ts reads lock format 1/);
    expect(errorOf(corrupted((j) => delete j.lockFormat)).message).toMatch(/lockFormat: missing: not a kcl-ts lock file\?/);
    expect(errorOf('[]').message).toMatch(/not a valid kcl-ts artifact lock: \(top level\): /);
  });

  it('a file name that would leave the directory, a duplicate file, a root not in the list', () => {
    expect(errorOf(corrupted((j) => (j.artifacts[1]!.artifact = '../../evil'))).message).toMatch(/artifacts\[1\]\.artifact: expected letters/);
    expect(errorOf(corrupted((j) => j.artifacts.push({ ...j.artifacts[0]! }))).message).toMatch(
      /artifacts\[2\]: file name amazon-kinesis-client-multilang-3\.2\.0\.jar also used by artifacts\[0\]/,
    );
    expect(errorOf(corrupted((j) => (j.root = 'software.amazon.kinesis:amazon-kinesis-client-multilang:3.1.3'))).message).toMatch(
      /root: software\.amazon\.kinesis:amazon-kinesis-client-multilang:3\.1\.3 is not among the artifacts/,
    );
  });

  it('many problems: the first five and a count', () => {
    // 3 per artifact, and the root then names no artifact: 7.
    const msg = errorOf(corrupted((j) => j.artifacts.forEach((a) => ((a.sha256 = 'x'), (a.extension = ''), (a.group = 'a/b'))))).message;
    expect(msg.split('; ')).toHaveLength(6);
    expect(msg).toMatch(/; and 2 more$/);
  });

  it('the wrong shape altogether is reported, not a crash of the cross-checks', () => {
    expect(errorOf(corrupted((j) => (j.artifacts = 'none' as never))).message).toMatch(/artifacts: /);
    expect(errorOf(corrupted((j) => (j.artifacts = []))).message).toMatch(/artifacts: /);
    expect(errorOf(corrupted((j) => (j.artifacts = [null as never]))).message).toMatch(/artifacts\[0\]: /);
  });

  it('a damaged copy of a bundled lock', () => {
    const copy = path.join(dir, 'kcl-multilang-3.1.3.json');
    copyFileSync(KCL_MULTILANG_LOCK_FILE, copy);
    writeFileSync(copy, readFileSync(copy, 'utf8').replace(/"sha1": "[0-9a-f]{40}"/, '"sha1": "0"'));
    expect(() => readArtifactLock(copy)).toThrow(`${copy}: not a valid kcl-ts artifact lock: artifacts[0].sha1: expected 40 lowercase hex digits`);
  });
});
