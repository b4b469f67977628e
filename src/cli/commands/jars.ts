import path from 'node:path';
import { kclMultilangLock } from '../../host/jars/bundled.js';
import { ensureArtifacts, type EnsureOptions } from '../../host/jars/ensure.js';
import { kclLock } from '../../host/jars/kcl-lock.js';
import { parseCommandArgs, str } from '../args.js';
import { type Command } from '../command.js';

export const jarsCommand: Command = {
  name: 'jars',
  summary: 'download and verify the KCL MultiLangDaemon jars, print their directory',
  // A getter: the lock is read (and checked) only when the help is shown.
  get help() {
    const lock = kclMultilangLock();
    return `Usage: kcl-ts jars [options]

Makes sure the ${lock.artifacts.length} jars of ${lock.root}
are present, each checked against the SHA-256 in the package's lock (or in --lock FILE),
downloading only the missing ones; then prints the directory. Once everything is cached,
no network is used.

Options:
  --lock FILE        the jars of another KCL version, from a lock made by "kcl-ts lock"
  --jar-dir DIR      put the jars in DIR (e.g. for a container image) instead of the cache
  --cache-dir DIR    cache root (default: $KCL_TS_CACHE_DIR, $XDG_CACHE_HOME/kcl-ts or ~/.cache/kcl-ts)
  --maven-repo URL   Maven repository (default: $KCL_TS_MAVEN_REPO or Maven Central); https only
  --verify           re-hash every file already present
  -q, --quiet        print only the directory
  -h, --help         show this help
`;
  },
  async run(argv, io) {
    const parsed = parseCommandArgs(this, argv, io, {
      lock: { type: 'string' },
      'jar-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
      'maven-repo': { type: 'string' },
      verify: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (!parsed) return 0;
    const v = parsed.values;
    const opts: EnsureOptions = {};
    if (!v.quiet) opts.log = (m) => io.stderr(`kcl-ts: ${m}\n`);
    const jarDir = str(v['jar-dir']);
    const cacheDir = str(v['cache-dir']);
    const repo = str(v['maven-repo']);
    if (jarDir) opts.targetDir = path.resolve(io.cwd, jarDir);
    if (cacheDir) opts.cacheDir = path.resolve(io.cwd, cacheDir);
    if (repo) opts.repositoryUrl = repo;
    if (v.verify) opts.rehash = true;
    const lockFlag = str(v['lock']);
    // Read (and checked) before anything is downloaded: a bad lock names its file.
    const lock = kclLock(lockFlag ? path.resolve(io.cwd, lockFlag) : undefined);
    const dir = await ensureArtifacts(lock, opts);
    io.stdout(`${dir}\n`);
    return 0;
  },
};
