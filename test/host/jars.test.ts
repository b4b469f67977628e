import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactFileName, artifactUrl, type ArtifactLock, type LockedArtifact } from '../../src/host/jars/artifact.js';
import { defaultCacheDir, lockDir } from '../../src/host/jars/cache.js';
import { ensureArtifacts } from '../../src/host/jars/ensure.js';
import { checkRepositoryUrl } from '../../src/host/jars/repository.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

// Content served by the test repository, keyed by URL path.
const GOOD = Buffer.from('PK\x03\x04 pretend this is a jar '.repeat(2000));
const NATIVE = Buffer.from('\x7fELF pretend native library'.repeat(100));
const CORRUPT_EXPECTED = Buffer.from('the bytes the lock expects'.repeat(100));
const TRUNCATED_FULL = Buffer.alloc(256 * 1024, 7);

function art(artifact: string, content: Buffer, extra: Partial<LockedArtifact> = {}): LockedArtifact {
  return { group: 'org.example.test', artifact, version: '1.0', extension: 'jar', sha256: sha256(content), sha1: sha1(content), ...extra };
}

const good = art('good', GOOD);
const native = art('libnative-linux-amd64', NATIVE, { extension: 'so' });
const classified = art('withclassifier', GOOD, { classifier: 'linux-x86_64' });
const corrupt = art('corrupt', CORRUPT_EXPECTED);
const truncated = art('truncated', TRUNCATED_FULL);

let server: Server;
let repo: string;
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const p = req.url ?? '';
    const send = (b: Buffer) => {
      res.writeHead(200, { 'content-length': b.length });
      res.end(b);
    };
    if (p.endsWith('/good-1.0.jar') || p.endsWith('/withclassifier-1.0-linux-x86_64.jar')) return send(GOOD);
    if (p.endsWith('/libnative-linux-amd64-1.0.so')) return send(NATIVE);
    if (p.endsWith('/corrupt-1.0.jar')) return send(Buffer.from(CORRUPT_EXPECTED.toString().replace('lock', 'LOCK')));
    if (p.endsWith('/truncated-1.0.jar')) {
      // Promise the full length, send half, then drop the connection.
      res.writeHead(200, { 'content-length': TRUNCATED_FULL.length });
      res.write(TRUNCATED_FULL.subarray(0, TRUNCATED_FULL.length / 2), () => res.socket?.destroy());
      return;
    }
    if (p.endsWith('/stall-1.0.jar')) {
      // Headers and a few bytes, then silence.
      res.writeHead(200, { 'content-length': GOOD.length });
      res.write(GOOD.subarray(0, 100));
      return;
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

let cacheDir: string;
beforeEach(() => {
  requests = [];
  cacheDir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-jars-'));
});

const lock = (name: string, ...artifacts: LockedArtifact[]): ArtifactLock => ({ name, root: 'org.example.test:root:1.0', artifacts });
const noPartials = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.part') || f.endsWith('.tmp'));

describe('ensureArtifacts', () => {
  it('downloads, verifies and names files like Maven; the .so lands in the same directory', async () => {
    const l = lock('ok', good, native, classified);
    const dir = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    expect(dir).toBe(lockDir(l, cacheDir));
    expect(readdirSync(dir).filter((f) => !f.startsWith('.')).sort()).toEqual([
      'good-1.0.jar',
      'libnative-linux-amd64-1.0.so',
      'withclassifier-1.0-linux-x86_64.jar',
    ]);
    expect(readFileSync(path.join(dir, 'good-1.0.jar')).equals(GOOD)).toBe(true);
    expect(requests.sort()).toEqual([
      '/maven2/org/example/test/good/1.0/good-1.0.jar',
      '/maven2/org/example/test/libnative-linux-amd64/1.0/libnative-linux-amd64-1.0.so',
      '/maven2/org/example/test/withclassifier/1.0/withclassifier-1.0-linux-x86_64.jar',
    ]);
  });

  it('works offline once cached: no request at all', async () => {
    const l = lock('offline', good, native);
    const dir = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    requests = [];
    const failingFetch = async (): Promise<Response> => {
      throw new Error('network used');
    };
    expect(await ensureArtifacts(l, { cacheDir, repositoryUrl: repo, fetchImpl: failingFetch })).toBe(dir);
    expect(await ensureArtifacts(l, { cacheDir, repositoryUrl: repo, fetchImpl: failingFetch, rehash: true })).toBe(dir);
    expect(requests).toEqual([]);
  });

  it('downloads only what is missing', async () => {
    const l = lock('partial', good, native);
    const dir = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    requests = [];
    const { unlinkSync } = await import('node:fs');
    unlinkSync(path.join(dir, 'libnative-linux-amd64-1.0.so'));
    await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    expect(requests).toEqual(['/maven2/org/example/test/libnative-linux-amd64/1.0/libnative-linux-amd64-1.0.so']);
  });

  it('re-downloads a cached file that was changed on disk', async () => {
    const l = lock('tampered', good);
    const dir = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    const f = path.join(dir, 'good-1.0.jar');
    writeFileSync(f, 'garbage');
    utimesSync(f, new Date(0), new Date(0));
    requests = [];
    await ensureArtifacts(l, { cacheDir, repositoryUrl: repo });
    expect(requests).toHaveLength(1);
    expect(readFileSync(f).equals(GOOD)).toBe(true);
  });

  it('rejects a corrupted download, naming the artifact and URL, leaving no file behind', async () => {
    const l = lock('bad', corrupt);
    const err = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('org.example.test:corrupt:1.0');
    expect(msg).toContain(`${repo}/org/example/test/corrupt/1.0/corrupt-1.0.jar`);
    expect(msg).toContain('SHA-256 mismatch');
    const dir = lockDir(l, cacheDir);
    expect(existsSync(path.join(dir, 'corrupt-1.0.jar'))).toBe(false);
    expect(noPartials(dir)).toEqual([]);
    // A hash mismatch is not retried.
    expect(requests).toHaveLength(1);
  });

  it('rejects a truncated download (connection dropped), leaving no partial file', async () => {
    const l = lock('trunc', good, truncated);
    const err = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo, concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('org.example.test:truncated:1.0');
    expect((err as Error).message).toContain('/truncated-1.0.jar');
    const dir = lockDir(l, cacheDir);
    expect(existsSync(path.join(dir, 'truncated-1.0.jar'))).toBe(false);
    expect(noPartials(dir)).toEqual([]);
    // The good one stays cached and verified: a later run fetches only the broken one.
    expect(existsSync(path.join(dir, 'good-1.0.jar'))).toBe(true);
  });

  it('gives up on a download that stalls, naming it, leaving no partial file', async () => {
    const stall = art('stall', GOOD);
    const l = lock('stall', stall);
    const started = Date.now();
    const err = await ensureArtifacts(l, { cacheDir, repositoryUrl: repo, idleTimeoutMs: 200 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/org\.example\.test:stall:1\.0 .*stall-1\.0\.jar.*no data for 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(requests).toHaveLength(2); // one retry for a transport failure
    const dir = lockDir(l, cacheDir);
    expect(readdirSync(dir).filter((f) => !f.startsWith('.kcl-ts-verified'))).toEqual([]);
  });

  it('reports a 404 with the artifact and URL', async () => {
    const missing = art('missing', GOOD);
    const err = await ensureArtifacts(lock('m', missing), { cacheDir, repositoryUrl: repo }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/org\.example\.test:missing:1\.0 .*missing-1\.0\.jar.*HTTP 404/);
  });

  it('refuses plain HTTP to anything but loopback', async () => {
    const err = await ensureArtifacts(lock('insecure', good), { cacheDir, repositoryUrl: 'http://repo.example.com/maven2' }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain('only https://');
    expect(requests).toEqual([]);
    expect(() => checkRepositoryUrl('https://repo.example.com/m2')).not.toThrow();
    expect(() => checkRepositoryUrl('http://localhost:8080/m2')).not.toThrow();
    expect(() => checkRepositoryUrl('ftp://127.0.0.1/m2')).toThrow();
  });

  it('takes the repository from KCL_TS_MAVEN_REPO', async () => {
    const prev = process.env['KCL_TS_MAVEN_REPO'];
    process.env['KCL_TS_MAVEN_REPO'] = repo;
    try {
      await ensureArtifacts(lock('env', good), { cacheDir });
      expect(requests).toEqual(['/maven2/org/example/test/good/1.0/good-1.0.jar']);
    } finally {
      if (prev === undefined) delete process.env['KCL_TS_MAVEN_REPO'];
      else process.env['KCL_TS_MAVEN_REPO'] = prev;
    }
  });

  it('bounds parallel downloads', async () => {
    let active = 0;
    let peak = 0;
    const fetchImpl = async (url: string): Promise<Response> => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return new Response(url.endsWith('.so') ? NATIVE : GOOD);
    };
    const many = Array.from({ length: 12 }, (_, i) => art(`a${i}`, GOOD));
    await ensureArtifacts(lock('par', ...many), { cacheDir, repositoryUrl: repo, fetchImpl, concurrency: 3 });
    expect(peak).toBe(3);
  });

  it('puts files straight into targetDir when given', async () => {
    const target = path.join(cacheDir, 'jars-here');
    expect(await ensureArtifacts(lock('t', good), { targetDir: target, repositoryUrl: repo })).toBe(target);
    expect(existsSync(path.join(target, 'good-1.0.jar'))).toBe(true);
  });
});

describe('helpers', () => {
  it('artifactFileName / artifactUrl follow the Maven layout', () => {
    expect(artifactFileName(classified)).toBe('withclassifier-1.0-linux-x86_64.jar');
    expect(artifactUrl('https://r.example/m2/', good)).toBe('https://r.example/m2/org/example/test/good/1.0/good-1.0.jar');
  });

  it('defaultCacheDir honours KCL_TS_CACHE_DIR, then XDG_CACHE_HOME', () => {
    const saved = { a: process.env['KCL_TS_CACHE_DIR'], b: process.env['XDG_CACHE_HOME'] };
    try {
      process.env['KCL_TS_CACHE_DIR'] = '/tmp/x-cache';
      expect(defaultCacheDir()).toBe('/tmp/x-cache');
      delete process.env['KCL_TS_CACHE_DIR'];
      process.env['XDG_CACHE_HOME'] = '/tmp/xdg';
      expect(defaultCacheDir()).toBe('/tmp/xdg/kcl-ts');
      delete process.env['XDG_CACHE_HOME'];
      expect(defaultCacheDir()).toMatch(/\.cache\/kcl-ts$/);
    } finally {
      for (const [k, v] of [['KCL_TS_CACHE_DIR', saved.a], ['XDG_CACHE_HOME', saved.b]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('lockDir changes when the locked contents change', () => {
    expect(lockDir(lock('x', good), '/c')).not.toBe(lockDir(lock('x', good, native), '/c'));
    expect(lockDir(lock('x', good), '/c')).toMatch(/^\/c\/artifacts\/x-1\.0-[0-9a-f]{10}$/);
  });
});
