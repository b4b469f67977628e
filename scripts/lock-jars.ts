/**
 * Resolve a Maven artifact's runtime closure and write a lock file (JSON, the format
 * src/host/jars/lock-file.ts reads), e.g. the bundled ones:
 *
 *   npx tsx scripts/lock-jars.ts software.amazon.kinesis:amazon-kinesis-client-multilang:3.1.3 src/host/locks/kcl-multilang-3.1.3.json kcl-multilang
 *   npx tsx scripts/lock-jars.ts <group:artifact:version> <out.json> [lockName]
 *   (or: npm run lock-jars -- <same arguments>)
 *
 * Uses the `mvn` on PATH: writes a throw-away pom that depends on the root artifact,
 * runs `dependency:list` (runtime scope, absolute file names) and hashes each resolved
 * file from the local Maven repository. The root artifact itself is included, as are
 * non-jar artifacts (e.g. sqlite4java's native `.so` files).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArtifactLock, LockedArtifact } from '../src/host/jars/artifact.js';
import { parseArtifactLock, serializeArtifactLock } from '../src/host/jars/lock-file.js';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';

function usage(): never {
  process.stderr.write(
    'usage: npx tsx scripts/lock-jars.ts <group:artifact:version> <out.json> [lockName]\n',
  );
  process.exit(2);
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Parse one line of `dependency:list -DoutputAbsoluteArtifactFilename=true` output:
 *   group:artifact:type[:classifier]:version:scope:/abs/path[ -- module name]
 */
export function parseListLine(line: string): (Omit<LockedArtifact, 'sha256' | 'sha1'> & { file: string; scope: string }) | undefined {
  const trimmed = line.trim().replace(/\s+--\s+module\s.*$/, '');
  if (!trimmed || !trimmed.includes(':')) return undefined;
  // The absolute path starts at the first ':/' (POSIX) — coordinates never contain '/'.
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
  const out: Omit<LockedArtifact, 'sha256' | 'sha1'> & { file: string; scope: string } = {
    group,
    artifact,
    version,
    extension,
    file,
    scope,
  };
  if (classifier) out.classifier = classifier;
  return out;
}

function hashFile(file: string, algo: 'sha256' | 'sha1'): string {
  return createHash(algo).update(readFileSync(file)).digest('hex');
}

function main(): void {
  const args = process.argv.slice(2);
  const [root, outFile, lockNameArg] = args;
  if (!root || !outFile || args.length > 3) usage();
  const parts = root.split(':');
  if (parts.length !== 3 || parts.some((p) => !p)) usage();
  const [g, a, v] = parts as [string, string, string];
  if (!outFile.endsWith('.json')) {
    process.stderr.write(`${outFile}: a lock is JSON; name it *.json\n`);
    process.exit(2);
  }

  const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-lock-'));
  try {
    writeFileSync(
      path.join(work, 'pom.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kcl-ts.lock</groupId>
  <artifactId>lock</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>${xmlEscape(g)}</groupId>
      <artifactId>${xmlEscape(a)}</artifactId>
      <version>${xmlEscape(v)}</version>
    </dependency>
  </dependencies>
</project>
`,
    );
    const listFile = path.join(work, 'deps.txt');
    const started = Date.now();
    const res = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        path.join(work, 'pom.xml'),
        `${DEPENDENCY_PLUGIN}:list`,
        '-DincludeScope=runtime',
        '-DoutputAbsoluteArtifactFilename=true',
        '-DexcludeTransitive=false',
        `-DoutputFile=${listFile}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (res.error) throw res.error;
    if (res.status !== 0) throw new Error(`mvn exited with status ${res.status}`);
    process.stderr.write(`mvn resolved ${root} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    const entries = readFileSync(listFile, 'utf8')
      .split('\n')
      .map(parseListLine)
      .filter((e): e is NonNullable<typeof e> => e !== undefined);
    if (!entries.some((e) => e.group === g && e.artifact === a && e.version === v)) {
      throw new Error(`root artifact ${root} missing from the dependency list`);
    }
    const artifacts: LockedArtifact[] = entries
      .map((e) => {
        const art: LockedArtifact = {
          group: e.group,
          artifact: e.artifact,
          version: e.version,
          ...(e.classifier ? { classifier: e.classifier } : {}),
          extension: e.extension,
          sha256: hashFile(e.file, 'sha256'),
          sha1: hashFile(e.file, 'sha1'),
        };
        return { art, size: statSync(e.file).size };
      })
      .sort((x, y) =>
        `${x.art.group}:${x.art.artifact}:${x.art.classifier ?? ''}`.localeCompare(
          `${y.art.group}:${y.art.artifact}:${y.art.classifier ?? ''}`,
        ),
      )
      .map(({ art, size }) => {
        totalBytes += size;
        return art;
      });

    const lock: ArtifactLock = {
      name: lockNameArg ?? a,
      root,
      generatedBy: ['npx tsx scripts/lock-jars.ts', root, outFile, ...(lockNameArg ? [lockNameArg] : [])].join(' '),
      artifacts,
    };
    const text = serializeArtifactLock(lock);
    // What is written must be what the reader accepts: check before replacing a good lock.
    parseArtifactLock(text, outFile);
    writeFileSync(outFile, text);
    process.stderr.write(`wrote ${outFile}: ${artifacts.length} artifacts, ${(totalBytes / 1e6).toFixed(1)} MB\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let totalBytes = 0;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main();
}
