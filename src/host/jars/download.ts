/**
 * Downloading one locked artifact: verified on a temporary file before it is renamed into
 * place, so the directory never holds an unverified or partial file under its final name.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { artifactCoordinates, artifactFileName, artifactUrl, type LockedArtifact } from './artifact.js';
import type { MarkerEntry } from './cache.js';
import { checkRepositoryUrl } from './repository.js';

/** The subset of `fetch` this module uses (injectable for tests). */
export type FetchLike = (url: string, init?: { signal?: AbortSignal; redirect?: 'follow' }) => Promise<Response>;

const ATTEMPTS = 2;

/** Download one artifact to a temp file in `dir`, verify, rename into place. */
export async function downloadVerified(
  a: LockedArtifact,
  repo: string,
  dir: string,
  fetchImpl: FetchLike,
  idleTimeoutMs: number,
): Promise<MarkerEntry> {
  const url = artifactUrl(repo, a);
  const name = artifactFileName(a);
  const final = path.join(dir, name);
  const what = `${artifactCoordinates(a)} (${url})`;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const tmp = path.join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.part`);
    const ctl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => ctl.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    try {
      arm();
      const res = await fetchImpl(url, { signal: ctl.signal, redirect: 'follow' });
      if (res.url) {
        // A redirect must not leave HTTPS (the hash would still catch tampering, but a
        // plain-HTTP hop leaks what is being fetched and invites trouble).
        try {
          checkRepositoryUrl(res.url);
        } catch {
          throw new Error(`redirected to a non-HTTPS URL ${res.url}`);
        }
      }
      if (!res.ok || !res.body) {
        const err = new Error(`HTTP ${res.status} ${res.statusText}`.trim());
        // 4xx will not get better by asking again.
        if (res.status >= 400 && res.status < 500) {
          lastError = err;
          break;
        }
        throw err;
      }
      const sha256 = createHash('sha256');
      const sha1 = createHash('sha1');
      let size = 0;
      await pipeline(
        Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            arm();
            sha256.update(chunk);
            sha1.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: 'wx' }),
      );
      const got256 = sha256.digest('hex');
      if (got256 !== a.sha256) {
        throw new IntegrityError(`SHA-256 mismatch: expected ${a.sha256}, got ${got256} (${size} bytes)`);
      }
      if (a.sha1) {
        const got1 = sha1.digest('hex');
        if (got1 !== a.sha1) throw new IntegrityError(`SHA-1 mismatch: expected ${a.sha1}, got ${got1}`);
      }
      await rename(tmp, final);
      const st = await stat(final);
      return { sha256: a.sha256, size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      lastError = err instanceof Error ? err : new Error(String(err));
      if (ctl.signal.aborted && ctl.signal.reason instanceof Error) lastError = ctl.signal.reason;
      // Wrong bytes from the repository will be the same wrong bytes a second time.
      if (err instanceof IntegrityError) break;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
  const cause = lastError;
  const detail = cause ? describeError(cause) : 'unknown error';
  return Promise.reject(new Error(`failed to download ${what}: ${detail}`, { cause }));
}

class IntegrityError extends Error {}

/** fetch() hides the reason (ECONNREFUSED, …) in `cause`; a message should show it. */
function describeError(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && !err.message.includes(cause.message)) {
    return `${err.message}: ${cause.message}`;
  }
  return err.message;
}
