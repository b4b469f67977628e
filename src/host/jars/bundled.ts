/**
 * The locks that ship with the package (src/host/locks/, copied to dist/host/locks/ by
 * the build): the KCL MultiLangDaemon that `kcl-ts run` starts, and DynamoDB Local for a
 * local stand-in. Each is read and checked once, on first use.
 */
import { fileURLToPath } from 'node:url';
import type { ArtifactLock } from './artifact.js';
import { readArtifactLock } from './lock-file.js';

/** The same path from src/ (tests, tsx) and from dist/ (the package). */
const LOCKS_DIR = new URL('../locks/', import.meta.url);

export const KCL_MULTILANG_LOCK_FILE = fileURLToPath(new URL('kcl-multilang-3.1.3.json', LOCKS_DIR));
export const DYNAMODB_LOCAL_LOCK_FILE = fileURLToPath(new URL('dynamodb-local-3.3.1.json', LOCKS_DIR));

const read = new Map<string, ArtifactLock>();

function once(file: string): ArtifactLock {
  let lock = read.get(file);
  if (!lock) {
    lock = readArtifactLock(file);
    read.set(file, lock);
  }
  return lock;
}

/** KCL multilang 3.1.3's runtime class path (131 files). */
export function kclMultilangLock(): ArtifactLock {
  return once(KCL_MULTILANG_LOCK_FILE);
}

/** DynamoDB Local 3.3.1 with its sqlite4java native libraries. */
export function dynamoDbLocalLock(): ArtifactLock {
  return once(DYNAMODB_LOCAL_LOCK_FILE);
}
