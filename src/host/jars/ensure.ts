/**
 * Locked Maven artifact fetcher.
 *
 * A lock (see lock-file.ts) names every file of a Java program's runtime class path with
 * its SHA-256. `ensureArtifacts` makes a directory holding exactly those files,
 * downloading only the missing ones, verifying each before it is put in place.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { artifactFileName, type ArtifactLock, type LockedArtifact } from './artifact.js';
import { defaultCacheDir, hashFile, lockDir, readMarker, statOrUndefined, writeMarker } from './cache.js';
import { downloadVerified, type FetchLike } from './download.js';
import { checkRepositoryUrl, resolveRepositoryUrl } from './repository.js';

export interface EnsureOptions {
  /** Root of the cache; default `defaultCacheDir()`. */
  cacheDir?: string;
  /**
   * Put the files directly in this directory instead of a per-lock directory under
   * `cacheDir` (e.g. `kcl-ts jars --jar-dir ./jars` for a container image).
   */
  targetDir?: string;
  /** Default: `$KCL_TS_MAVEN_REPO`, else https://repo.maven.apache.org/maven2 */
  repositoryUrl?: string;
  log?: (msg: string) => void;
  fetchImpl?: FetchLike;
  /** Parallel downloads; default 6. */
  concurrency?: number;
  /** Abort a download that receives nothing for this long; default 60 s. */
  idleTimeoutMs?: number;
  /** Re-hash every present file instead of trusting the verification marker. */
  rehash?: boolean;
}

const DEFAULT_CONCURRENCY = 6;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/**
 * Make sure every artifact of `lock` is present and verified in one directory and return
 * that directory. Downloads only what is missing (or fails verification).
 *
 * Verification policy: a file's SHA-256 (and SHA-1, if locked) is checked on the
 * temporary download *before* it is renamed into place, so the directory never holds an
 * unverified or partial file under its final name. Afterwards a marker file records
 * (sha256, size, mtime) of what was verified; later runs trust a file whose size and
 * mtime still match the marker and whose locked sha256 is the one recorded, and re-hash
 * anything else (a file copied in by hand, touched, truncated, or a changed lock). This
 * keeps `kcl-ts run` start-up free of hashing 70+ MB each time, while still catching
 * truncation and replacement; `rehash: true` (`kcl-ts jars --verify`) checks every byte.
 * No network access happens when everything is present and verified.
 */
export async function ensureArtifacts(lock: ArtifactLock, opts: EnsureOptions = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const dir = opts.targetDir ? path.resolve(opts.targetDir) : lockDir(lock, opts.cacheDir ?? defaultCacheDir());
  await mkdir(dir, { recursive: true });

  const marker = await readMarker(dir);
  let markerChanged = false;
  const missing: LockedArtifact[] = [];

  for (const a of lock.artifacts) {
    const name = artifactFileName(a);
    const file = path.join(dir, name);
    const st = await statOrUndefined(file);
    if (!st || !st.isFile()) {
      missing.push(a);
      continue;
    }
    const m = marker[name];
    if (!opts.rehash && m && m.sha256 === a.sha256 && m.size === st.size && m.mtimeMs === st.mtimeMs) continue;
    const h = await hashFile(file);
    if (h.sha256 === a.sha256) {
      marker[name] = { sha256: a.sha256, size: st.size, mtimeMs: st.mtimeMs };
      markerChanged = true;
    } else {
      log(`${name}: SHA-256 mismatch in ${dir}, downloading it again`);
      delete marker[name];
      markerChanged = true;
      missing.push(a);
    }
  }

  if (missing.length === 0) {
    if (markerChanged) await writeMarker(dir, marker);
    return dir;
  }

  const repo = resolveRepositoryUrl(opts.repositoryUrl);
  checkRepositoryUrl(repo);
  const fetchImpl: FetchLike = opts.fetchImpl ?? ((url, init) => fetch(url, init));
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  log(`downloading ${missing.length} of ${lock.artifacts.length} artifacts for ${lock.root} from ${repo} into ${dir}`);

  const started = Date.now();
  let bytes = 0;
  const errors: Error[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < missing.length && errors.length === 0) {
      const a = missing[next++]!;
      try {
        const placed = await downloadVerified(a, repo, dir, fetchImpl, idleTimeoutMs);
        bytes += placed.size;
        marker[artifactFileName(a)] = placed;
        markerChanged = true;
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, missing.length) }, worker));
  // Record what did arrive even when something failed: a retry downloads only the rest.
  if (markerChanged) await writeMarker(dir, marker);
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    if (rest.length > 0) first!.message += ` (and ${rest.length} more failed download(s))`;
    throw first;
  }
  log(`downloaded ${missing.length} files, ${formatBytes(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}
