/**
 * `npm run demo`: `kcl-ts dev` on this repository's sample consumer
 * (examples/sample-consumer.ts, properties/sample.properties), as a user's `npm run demo`
 * runs it on theirs: stand-ins on free loopback ports, the real daemon, records,
 * progress per shard, a graceful stop and a summary. No AWS account needed.
 *
 * The sample imports 'kcl-ts' (this package's dist/) and kcl-ts dev runs from dist/, so
 * the package is built first when dist/ is missing or older than src/.
 *
 * Every option of kcl-ts dev works (`npm run demo -- --help`); the demo's defaults are
 * 4 shards and 3,000 records at 200 a second. Exit status 0 only when every record arrived.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO_DEFAULTS: [option: string, value: string, unless: string[]][] = [
  ['--properties', 'properties/sample.properties', ['--properties', '-p']],
  ['--shards', '4', ['--shards']],
  ['--records', '3000', ['--records', '--produce']],
  ['--rate', '200', ['--rate']],
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const entry = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'src'))) return;
  process.stderr.write('[demo] building kcl-ts (npm run build): the sample consumer and kcl-ts dev run from dist/\n');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  // tsc emits even with type errors elsewhere; what matters is that dist/ is there.
  if (!existsSync(entry)) throw new Error(`npm run build failed (status ${result.status})`);
}

/** The user's arguments, with the demo's defaults for the options they did not give. */
function demoArguments(args: readonly string[]): string[] {
  const given = (names: string[]): boolean => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  const defaults = DEMO_DEFAULTS.filter(([, , unless]) => !given(unless)).flatMap(([option, value]) => [option, value]);
  return ['dev', ...defaults, ...args];
}

ensureBuilt();
process.chdir(REPO_ROOT);
const cliUrl = new URL('../dist/cli/main.js', import.meta.url).href;
const { main } = (await import(cliUrl)) as { main: (argv: string[]) => Promise<number> };
process.exitCode = await main(demoArguments(process.argv.slice(2)));
