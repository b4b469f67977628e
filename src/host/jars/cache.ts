/**
 * Where locked files are cached, and the marker that records which of them were verified
 * (so that a start does not re-hash 70+ MB of jars each time).
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { artifactFileName, type ArtifactLock } from './artifact.js';

const MARKER_FILE = '.kcl-ts-verified.json';

/** $KCL_TS_CACHE_DIR, else $XDG_CACHE_HOME/kcl-ts, else ~/.cache/kcl-ts */
export function defaultCacheDir(): string {
  const explicit = process.env['KCL_TS_CACHE_DIR'];
  if (explicit) return path.resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  if (xdg) return path.join(path.resolve(xdg), 'kcl-ts');
  return path.join(homedir(), '.cache', 'kcl-ts');
}

/**
 * Directory name for a lock: name, root version and a digest of the locked file list.
 * The digest matters: the directory is put on a class path as `dir/*`, so a lock
 * regenerated with different contents must not share a directory with stale jars.
 */
export function lockDirName(lock: ArtifactLock): string {
  const version = lock.root.split(':')[2] ?? 'unknown';
  const digest = createHash('sha256')
    .update(
      lock.artifacts
        .map((a) => `${artifactFileName(a)} ${a.sha256}`)
        .sort()
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 10);
  return `${lock.name}-${version}-${digest}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Where `ensureArtifacts(lock, {cacheDir})` puts the files (without touching anything). */
export function lockDir(lock: ArtifactLock, cacheDir: string = defaultCacheDir()): string {
  return path.join(cacheDir, 'artifacts', lockDirName(lock));
}

/** What was verified of one file: trusted again while its size and mtime are unchanged. */
export interface MarkerEntry {
  sha256: string;
  size: number;
  mtimeMs: number;
}
/** Keyed by file name. */
export type Marker = Record<string, MarkerEntry>;

/** The directory's marker; an absent or unreadable one means nothing is trusted yet. */
export async function readMarker(dir: string): Promise<Marker> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, MARKER_FILE), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Marker) : {};
  } catch {
    return {};
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a marker. */
export async function writeMarker(dir: string, marker: Marker): Promise<void> {
  const tmp = path.join(dir, `${MARKER_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(tmp, JSON.stringify(marker, null, 1));
  await rename(tmp, path.join(dir, MARKER_FILE));
}

export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const buf = await readFile(file);
  return { sha256: createHash('sha256').update(buf).digest('hex'), size: buf.length };
}

export async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch {
    return undefined;
  }
}
