/**
 * Jar directories for the real daemon and DynamoDB Local, fetched and verified by the
 * project's own locked fetcher (`ensureArtifacts`, cached under ~/.cache/kcl-ts or
 * $KCL_TS_CACHE_DIR). `KCL_JAR_DIR` / `DYNAMODB_LOCAL_JAR_DIR` override (a directory
 * with the jars already in it, e.g. from `mvn dependency:copy-dependencies`).
 */
import { dynamoDbLocalLock, kclMultilangLock } from '../../src/host/jars/bundled.js';
import { ensureArtifacts } from '../../src/host/jars/ensure.js';

const cache = new Map<string, Promise<string>>();

function once(key: string, make: () => Promise<string>): Promise<string> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

const log = (msg: string): void => {
  if (process.env.KCL_TS_E2E_VERBOSE) process.stderr.write(`[artifacts] ${msg}\n`);
};

/** Directory with the KCL multilang 3.1.3 runtime closure. */
export function kclJarDir(): Promise<string> {
  const explicit = process.env.KCL_JAR_DIR;
  if (explicit) return Promise.resolve(explicit);
  return once('kcl', () => ensureArtifacts(kclMultilangLock(), { log }));
}

/** Directory with DynamoDB Local 3.3.1 and its sqlite4java native library. */
export function dynamoDbJarDir(): Promise<string> {
  const explicit = process.env.DYNAMODB_LOCAL_JAR_DIR;
  if (explicit) return Promise.resolve(explicit);
  return once('ddb', () => ensureArtifacts(dynamoDbLocalLock(), { log }));
}
