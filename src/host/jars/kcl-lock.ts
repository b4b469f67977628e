/**
 * The KCL MultiLangDaemon's lock: the bundled one, or a user's own (`kcl-ts lock`) for
 * another KCL version. A user's lock is read and checked like the bundled one, and must be
 * a multilang lock: another artifact's closure would start a JVM that cannot find the
 * daemon's main class, a failure far from its cause.
 */
import type { ArtifactLock } from './artifact.js';
import { kclMultilangLock } from './bundled.js';
import { LockFileError, readArtifactLock } from './lock-file.js';

export const KCL_MULTILANG_GROUP = 'software.amazon.kinesis';
export const KCL_MULTILANG_ARTIFACT = 'amazon-kinesis-client-multilang';
/** The lock's `name` for a KCL multilang lock (also the bundled one's), which names its cache directory. */
export const KCL_MULTILANG_LOCK_NAME = 'kcl-multilang';

export function kclMultilangRoot(version: string): string {
  return `${KCL_MULTILANG_GROUP}:${KCL_MULTILANG_ARTIFACT}:${version}`;
}

/** The KCL version a multilang lock was made for. */
export function kclVersionOf(lock: ArtifactLock): string {
  return lock.root.split(':')[2] ?? 'unknown';
}

/** A lock file given by the user (`--lock FILE`); throws LockFileError naming the file. */
export function readKclLock(file: string): ArtifactLock {
  const lock = readArtifactLock(file);
  const [group, artifact] = lock.root.split(':');
  if (group !== KCL_MULTILANG_GROUP || artifact !== KCL_MULTILANG_ARTIFACT) {
    throw new LockFileError(
      file,
      `root is ${lock.root}, not ${KCL_MULTILANG_GROUP}:${KCL_MULTILANG_ARTIFACT}: not a lock for the KCL MultiLangDaemon (make one with "kcl-ts lock --kcl-version <version> --out ${file}")`,
    );
  }
  return lock;
}

/** `--lock FILE` if given, else the bundled lock. */
export function kclLock(file?: string): ArtifactLock {
  return file ? readKclLock(file) : kclMultilangLock();
}
