/**
 * A lock made through Maven: the runtime closure of one artifact, each file hashed from
 * the local Maven repository. Shared by `kcl-ts lock` (a user's own KCL version) and
 * scripts/lock-jars.ts (the bundled locks), so both write the same thing. Only making a
 * lock needs `mvn`; running from a lock never does.
 *
 * How: a throw-away pom that depends on the root artifact, `dependency:list` (runtime
 * scope, absolute file names), then every listed file hashed. The root itself is
 * included, as are non-jar artifacts (e.g. sqlite4java's native `.so` files).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArtifactLock, LockedArtifact } from './artifact.js';
import { parseArtifactLock, serializeArtifactLock } from './lock-file.js';

/** Pinned: an unpinned plugin version would make the same command resolve differently over time. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';

export type MavenLockErrorKind = 'no-mvn' | 'unresolvable' | 'mvn-failed';

/** Why no lock could be made; `kind` lets a caller word its advice. */
export class MavenLockError extends Error {
  constructor(
    readonly kind: MavenLockErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'MavenLockError';
  }
}

export interface MavenLockOptions {
  /** "group:artifact:version" to resolve. */
  root: string;
  /** The lock's `name` (names its cache directory). */
  name: string;
  /** Recorded in the lock: how to make it again. */
  generatedBy: string;
  /** The Maven executable; default `mvn` (PATH). */
  mvn?: string;
  env?: NodeJS.ProcessEnv;
}

export interface MavenLock {
  lock: ArtifactLock;
  totalBytes: number;
  /** How long Maven took. */
  mavenMillis: number;
}

type ListedArtifact = Omit<LockedArtifact, 'sha256' | 'sha1'> & { file: string; scope: string };

/**
 * One line of `dependency:list -DoutputAbsoluteArtifactFilename=true` output:
 *   group:artifact:type[:classifier]:version:scope:/abs/path[ -- module name]
 */
export function parseListLine(line: string): ListedArtifact | undefined {
  const trimmed = line.trim().replace(/\s+--\s+module\s.*$/, '');
  if (!trimmed || !trimmed.includes(':')) return undefined;
  // The absolute path starts at the first ':/' (POSIX): coordinates never contain '/'.
  const pathStart = trimmed.indexOf(':/');
  if (pathStart < 0) return undefined;
  const coords = trimmed.slice(0, pathStart).split(':');
  const file = trimmed.slice(pathStart + 1);
  let group: string, artifact: string, type: string, version: string, scope: string;
  let classifier: string | undefined;
  if (coords.length === 5) {
    [group, artifact, type, version, scope] = coords as [string, string, string, string, string];
  } else if (coords.length === 6) {
    [group, artifact, type, classifier, version, scope] = coords as [string, string, string, string, string, string];
  } else {
    return undefined;
  }
  // The file's own extension is what ends up on disk (type "so" → ".so", "test-jar" → ".jar").
  const extension = path.extname(file).slice(1) || type;
  const out: ListedArtifact = { group, artifact, version, extension, file, scope };
  if (classifier) out.classifier = classifier;
  return out;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pomFor(group: string, artifact: string, version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kcl-ts.lock</groupId>
  <artifactId>lock</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>${xmlEscape(group)}</groupId>
      <artifactId>${xmlEscape(artifact)}</artifactId>
      <version>${xmlEscape(version)}</version>
    </dependency>
  </dependencies>
</project>
`;
}

function hashFile(file: string, algo: 'sha256' | 'sha1'): string {
  return createHash(algo).update(readFileSync(file)).digest('hex');
}

/** Maven's first `[ERROR]` line, which says what failed (the rest is advice about -e and -X). */
export function firstMavenError(output: string): string | undefined {
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
    const m = /^\[ERROR\]\s*(.+)$/.exec(line);
    if (m && m[1]!.trim()) return m[1]!.replace(/\s*->\s*\[Help \d+\]\s*$/, '').trim();
  }
  return undefined;
}

/** A dependency that is not in the repositories, as opposed to Maven failing for another reason. */
function isUnresolvable(detail: string): boolean {
  return /Could not find artifact|Failure to find|Could not resolve dependencies|was not found in/.test(detail);
}

function runMaven(mvn: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const add = (d: Buffer): void => {
      // Enough to find the first [ERROR]; a runaway log must not grow without bound.
      if (output.length < 1_000_000) output += d.toString('utf8');
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new MavenLockError('no-mvn', `${mvn} not found${mvn.includes('/') ? '' : ' on PATH'}`));
      else reject(new MavenLockError('mvn-failed', `cannot run ${mvn}: ${err.message}`));
    });
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Resolve `opts.root` through Maven and hash its runtime closure. Throws MavenLockError. */
export async function resolveMavenLock(opts: MavenLockOptions): Promise<MavenLock> {
  const parts = opts.root.split(':');
  if (parts.length !== 3 || parts.some((p) => !p)) throw new Error(`expected group:artifact:version, got ${opts.root}`);
  const [group, artifact, version] = parts as [string, string, string];
  const mvn = opts.mvn ?? 'mvn';
  const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-lock-'));
  try {
    const pom = path.join(work, 'pom.xml');
    writeFileSync(pom, pomFor(group, artifact, version));
    const listFile = path.join(work, 'deps.txt');
    const started = Date.now();
    const { code, output } = await runMaven(
      mvn,
      [
        '-q',
        '-B',
        // A version published since Maven last looked must not be refused from its cache of 404s.
        '-U',
        '-Dstyle.color=never',
        '-f',
        pom,
        `${DEPENDENCY_PLUGIN}:list`,
        '-DincludeScope=runtime',
        '-DoutputAbsoluteArtifactFilename=true',
        '-DexcludeTransitive=false',
        `-DoutputFile=${listFile}`,
      ],
      opts.env ?? process.env,
    );
    const mavenMillis = Date.now() - started;
    if (code !== 0) {
      const detail = firstMavenError(output) ?? `${mvn} exited with status ${code}`;
      if (isUnresolvable(detail)) {
        // The throw-away pom's name means nothing to the user; what Maven could not find does.
        const what = detail.replace(/^Failed to execute goal on project lock: /, '').replace(/^Could not resolve dependencies for project kcl-ts\.lock:lock:pom:0: /, '');
        throw new MavenLockError('unresolvable', `Maven cannot resolve ${opts.root}: ${what}`);
      }
      throw new MavenLockError('mvn-failed', `Maven failed to resolve ${opts.root}: ${detail}`);
    }
    const entries = readFileSync(listFile, 'utf8')
      .split('\n')
      .map(parseListLine)
      .filter((e): e is ListedArtifact => e !== undefined);
    if (!entries.some((e) => e.group === group && e.artifact === artifact && e.version === version)) {
      throw new MavenLockError('mvn-failed', `the root artifact ${opts.root} is missing from Maven's dependency list`);
    }
    let totalBytes = 0;
    const artifacts = entries
      .map((e) => {
        totalBytes += statSync(e.file).size;
        const a: LockedArtifact = {
          group: e.group,
          artifact: e.artifact,
          version: e.version,
          ...(e.classifier ? { classifier: e.classifier } : {}),
          extension: e.extension,
          sha256: hashFile(e.file, 'sha256'),
          sha1: hashFile(e.file, 'sha1'),
        };
        return a;
      })
      .sort((x, y) =>
        `${x.group}:${x.artifact}:${x.classifier ?? ''}`.localeCompare(`${y.group}:${y.artifact}:${y.classifier ?? ''}`),
      );
    return { lock: { name: opts.name, root: opts.root, generatedBy: opts.generatedBy, artifacts }, totalBytes, mavenMillis };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Write a lock file: checked by the reader first (what is written must be what
 * `readArtifactLock` accepts), then written to a temporary name and renamed, so a good
 * lock is never replaced by half a file.
 */
export function writeArtifactLockFile(file: string, lock: ArtifactLock): void {
  const text = serializeArtifactLock(lock);
  parseArtifactLock(text, file);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
