/**
 * Resolve a Maven artifact's runtime closure and write a lock file (JSON, the format
 * src/host/jars/lock-file.ts reads), e.g. the bundled ones:
 *
 *   npx tsx scripts/lock-jars.ts software.amazon.kinesis:amazon-kinesis-client-multilang:3.1.3 src/host/locks/kcl-multilang-3.1.3.json kcl-multilang
 *   npx tsx scripts/lock-jars.ts <group:artifact:version> <out.json> [lockName]
 *   (or: npm run lock-jars -- <same arguments>)
 *
 * Uses the `mvn` on PATH. The resolving is src/host/jars/maven-lock.ts, shared with
 * `kcl-ts lock` (which makes a lock for another KCL version in a user's project); this
 * script only adds any root artifact and a lock name, for the bundled locks.
 */
import path from 'node:path';
import { resolveMavenLock, writeArtifactLockFile } from '../src/host/jars/maven-lock.js';

export { parseListLine } from '../src/host/jars/maven-lock.js';

function usage(): never {
  process.stderr.write('usage: npx tsx scripts/lock-jars.ts <group:artifact:version> <out.json> [lockName]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [root, outFile, lockNameArg] = args;
  if (!root || !outFile || args.length > 3) usage();
  const parts = root.split(':');
  if (parts.length !== 3 || parts.some((p) => !p)) usage();
  if (!outFile.endsWith('.json')) {
    process.stderr.write(`${outFile}: a lock is JSON; name it *.json\n`);
    process.exit(2);
  }
  try {
    const { lock, totalBytes, mavenMillis } = await resolveMavenLock({
      root,
      name: lockNameArg ?? parts[1]!,
      generatedBy: ['npx tsx scripts/lock-jars.ts', root, outFile, ...(lockNameArg ? [lockNameArg] : [])].join(' '),
    });
    process.stderr.write(`mvn resolved ${root} in ${(mavenMillis / 1000).toFixed(1)} s\n`);
    writeArtifactLockFile(outFile, lock);
    process.stderr.write(`wrote ${outFile}: ${lock.artifacts.length} artifacts, ${(totalBytes / 1e6).toFixed(1)} MB\n`);
  } catch (err) {
    process.stderr.write(`lock-jars: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await main();
}
