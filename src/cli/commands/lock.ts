import { statSync } from 'node:fs';
import path from 'node:path';
import { kclMultilangLock } from '../../host/jars/bundled.js';
import { KCL_MULTILANG_LOCK_NAME, kclMultilangRoot, kclVersionOf } from '../../host/jars/kcl-lock.js';
import { MavenLockError, resolveMavenLock, writeArtifactLockFile } from '../../host/jars/maven-lock.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

/** A version ends up in file names and URL paths: the lock reader's rule for a coordinate part. */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

export const lockCommand: Command = {
  name: 'lock',
  summary: 'resolve another KCL version through Maven and write a lock for "run --lock" and "jars --lock"',
  // A getter: the bundled lock is read only when the help is shown.
  get help() {
    const builtIn = kclVersionOf(kclMultilangLock());
    return `Usage: kcl-ts lock --kcl-version VERSION --out FILE [options]

Resolves ${kclMultilangRoot('VERSION')}
and its runtime dependencies through Maven (the mvn on PATH; about a minute from an
empty Maven repository) and writes FILE: every file with its SHA-256 and SHA-1, in the
format of the lock built into kcl-ts (KCL ${builtIn}). Then
  kcl-ts run --lock FILE --properties app.properties
  kcl-ts jars --lock FILE
download exactly those files into the cache and verify each checksum, as with the
built-in lock; running never needs Maven. Commit FILE with your project.

Options:
  --kcl-version VERSION   the KCL multilang version, e.g. ${builtIn} (required)
  --out FILE              the lock to write, *.json (required; replaced if it exists)
  --mvn PATH              Maven executable (default: mvn on PATH)
  -h, --help              show this help

More: docs/cli.md (kcl-ts lock).
`;
  },
  async run(argv, io) {
    const parsed = parseCommandArgs(this, argv, io, {
      'kcl-version': { type: 'string' },
      out: { type: 'string' },
      mvn: { type: 'string' },
    });
    if (!parsed) return 0;
    const v = parsed.values;
    const version = str(v['kcl-version']);
    const out = str(v['out']);
    if (version === undefined) throw new UsageError('missing --kcl-version VERSION (e.g. --kcl-version 3.1.3)');
    if (!VERSION.test(version)) {
      throw new UsageError(`--kcl-version ${JSON.stringify(version)}: expected a version such as 3.1.3 (letters, digits, . _ + -)`);
    }
    if (out === undefined) throw new UsageError('missing --out FILE (e.g. --out kcl.lock.json)');
    if (!out.endsWith('.json')) throw new UsageError(`--out ${out}: a lock is JSON; name it *.json`);
    const outFile = path.resolve(io.cwd, out);
    // Checked before Maven runs for a minute, not after.
    const dir = path.dirname(outFile);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      io.stderr(`kcl-ts lock: --out ${out}: no directory ${dir}\n`);
      return 1;
    }
    const mvnFlag = str(v['mvn']);
    const mvn = mvnFlag && mvnFlag.includes('/') ? path.resolve(io.cwd, mvnFlag) : (mvnFlag ?? 'mvn');
    const root = kclMultilangRoot(version);
    io.stderr(`kcl-ts: resolving ${root} through Maven (${mvn})\n`);
    let made;
    try {
      made = await resolveMavenLock({
        root,
        name: KCL_MULTILANG_LOCK_NAME,
        generatedBy: `kcl-ts lock --kcl-version ${version}`,
        mvn,
        env: io.env,
      });
    } catch (err) {
      io.stderr(`kcl-ts lock: ${describeFailure(err, mvn)}\n`);
      return 1;
    }
    try {
      writeArtifactLockFile(outFile, made.lock);
    } catch (err) {
      io.stderr(`kcl-ts lock: cannot write ${out}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    io.stderr(
      `kcl-ts: wrote ${out}: ${made.lock.artifacts.length} files, ${(made.totalBytes / 1e6).toFixed(1)} MB (Maven took ${(made.mavenMillis / 1000).toFixed(1)} s); run with: kcl-ts run --lock ${out} --properties <file>\n`,
    );
    io.stdout(`${outFile}\n`);
    return 0;
  },
};

function describeFailure(err: unknown, mvn: string): string {
  if (err instanceof MavenLockError && err.kind === 'no-mvn') {
    const builtIn = kclVersionOf(kclMultilangLock());
    return `${err.message}: install Maven (https://maven.apache.org, or e.g. "apt-get install maven") to make a lock, or run without --lock to use the built-in lock (KCL ${builtIn})${mvn === 'mvn' ? '; --mvn PATH names another Maven' : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
