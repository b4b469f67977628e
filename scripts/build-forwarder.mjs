#!/usr/bin/env node
/**
 * Builds the hub mode's native forwarder (src/hub/forwarder/forwarder.c) for every target
 * it can, into dist/hub/forwarder/<platform>-<arch>/kcl-ts-forwarder, and says in one line
 * per target what it built or skipped and why. Part of `npm run build`, after tsc.
 *
 * Compilers: zig's `zig cc` cross-compiles every target from any machine (static musl
 * binaries for Linux, libSystem-linked ones for macOS, which has no static form), and it
 * comes from PyPI (`pip install ziglang`, pinned in .ci/run); it is looked for as $ZIG, as
 * `zig` on PATH, then as `python3 -m ziglang`. Without it, the host target is built with
 * $CC or `cc` (static where the C library allows). A missing compiler never fails the
 * build: a lease on a platform without a native forwarder runs the Node forwarder, and
 * the hub says so (src/hub/forwarder/locate.ts).
 *
 * Options: --host (the host target only), --force (rebuild what is up to date).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = path.join(ROOT, 'src/hub/forwarder/forwarder.c');
const OUT = path.join(ROOT, 'dist/hub/forwarder');
const PIP_HINT = '`pip install ziglang` brings one; .ci/run pins its version';
const FLAGS = ['-O2', '-s', '-pthread', '-Wall', '-Wextra'];

/** Node's <platform>-<arch> → zig's target triple and whether it links statically. */
const TARGETS = {
  'linux-x64': { zig: 'x86_64-linux-musl', static: true },
  'linux-arm64': { zig: 'aarch64-linux-musl', static: true },
  'darwin-x64': { zig: 'x86_64-macos', static: false },
  'darwin-arm64': { zig: 'aarch64-macos', static: false },
};
const HOST = `${process.platform}-${process.arch}`;

function run(argv, extra = []) {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, [...args, ...extra], { encoding: 'utf8', timeout: 600_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), error: r.error };
}

/** The first zig that answers `version`, as { argv, version }, or undefined. */
function findZig() {
  const candidates = [];
  if (process.env.ZIG) candidates.push(process.env.ZIG.split(/ +/));
  candidates.push(['zig'], ['python3', '-m', 'ziglang']);
  for (const argv of candidates) {
    const r = run(argv, ['version']);
    if (r.ok) return { argv, version: r.out };
  }
  return undefined;
}

function findCc() {
  const argv = (process.env.CC || 'cc').split(/ +/);
  return run(argv, ['--version']).ok ? argv : undefined;
}

function upToDate(file) {
  if (!existsSync(file)) return false;
  const built = statSync(file).mtimeMs;
  return built >= statSync(SOURCE).mtimeMs && built >= statSync(fileURLToPath(import.meta.url)).mtimeMs;
}

/** Compiles to a temporary file, renamed into place so that a running forwarder is never overwritten. */
function compile(argv, flags, file) {
  const tmp = `${file}.${process.pid}.tmp`;
  const r = run(argv, [...flags, ...FLAGS, '-o', tmp, SOURCE]);
  if (!r.ok) {
    rmSync(tmp, { force: true });
    return { ok: false, why: (r.error?.message ?? r.out).split('\n').slice(0, 3).join(' | ') };
  }
  renameSync(tmp, file);
  return { ok: true, warnings: r.out };
}

function buildOne(target, zig, cc) {
  // A host that is no zig target (linux-riscv64, say) is still built with cc.
  const spec = TARGETS[target] ?? { zig: undefined, static: false };
  const file = path.join(OUT, target, 'kcl-ts-forwarder');
  if (!force && upToDate(file)) return `up to date ${target}`;
  mkdirSync(path.dirname(file), { recursive: true });
  const attempts = [];
  if (zig && spec.zig) attempts.push({ how: `zig ${zig.version}, ${spec.zig}${spec.static ? ', static' : ''}`, argv: [...zig.argv, 'cc'], flags: ['-target', spec.zig, ...(spec.static ? ['-static'] : [])] });
  if (cc && target === HOST) {
    if (process.platform !== 'darwin') attempts.push({ how: `${cc.join(' ')}, static`, argv: cc, flags: ['-static'] });
    attempts.push({ how: `${cc.join(' ')}, dynamic`, argv: cc, flags: [] });
  }
  if (attempts.length === 0) {
    return skip(target, file, target === HOST ? 'no C compiler (cc) and no zig' : `no cross compiler: ${PIP_HINT}`);
  }
  const failures = [];
  for (const a of attempts) {
    const started = Date.now();
    const r = compile(a.argv, a.flags, file);
    if (r.ok) {
      const kb = (statSync(file).size / 1024).toFixed(0);
      const note = r.warnings ? `\n  compiler said: ${r.warnings.replace(/\n/g, '\n  ')}` : '';
      return `built ${target} (${a.how}, ${kb} KB, ${((Date.now() - started) / 1000).toFixed(1)} s) -> ${path.relative(ROOT, file)}${note}`;
    }
    failures.push(`${a.how}: ${r.why}`);
  }
  return skip(target, file, `every compiler failed: ${failures.join('; ')}`);
}

/** A binary older than the source would speak an old contract: better none, and the Node forwarder. */
function skip(target, file, why) {
  if (!existsSync(file) || upToDate(file)) return `skipped ${target}: ${why}`;
  rmSync(file);
  return `skipped ${target}: ${why} (removed the out-of-date ${path.relative(ROOT, file)})`;
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const targets = args.includes('--host') ? [HOST] : [...new Set([HOST, ...Object.keys(TARGETS)])];

mkdirSync(OUT, { recursive: true });
// The source ships beside the binaries so that the fallback's warning can say how to build it.
copyFileSync(SOURCE, path.join(OUT, 'forwarder.c'));
const needed = targets.filter((t) => (force || !upToDate(path.join(OUT, t, 'kcl-ts-forwarder'))));
const zig = needed.length > 0 ? findZig() : undefined;
const cc = needed.includes(HOST) ? findCc() : undefined;
for (const target of targets) {
  console.log(`forwarder: ${buildOne(target, zig, cc)}`);
}
