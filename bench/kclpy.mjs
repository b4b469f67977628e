/**
 * amazon_kclpy 3.2.0 for the benchmark: a virtualenv under the cache dir with the pure
 * Python package from the sdist (`pip install amazon_kclpy` fails: its build downloads
 * KCL jars that are no longer served). Returns { python, pythonPath } or { skip: reason }.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KCLPY_VERSION = '3.2.0';

export function cacheDir() {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kcl-ts', 'bench');
}

function findPython() {
  for (const candidate of [process.env.BENCH_PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    try {
      const v = execFileSync(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const [major, minor] = v.split('.').map(Number);
      if (major === 3 && minor >= 8) return candidate;
    } catch {
      // try the next
    }
  }
  return undefined;
}

export function setupKclpy(log) {
  const dir = join(cacheDir(), `kclpy-${KCLPY_VERSION}`);
  const venv = join(dir, 'venv');
  const python = join(venv, 'bin', 'python');
  const src = join(dir, `amazon_kclpy-${KCLPY_VERSION}`);
  if (existsSync(python) && existsSync(join(src, 'amazon_kclpy', 'kcl.py'))) return { python, pythonPath: src, version: pythonVersion(python) };
  const system = findPython();
  if (system === undefined) return { skip: 'no python3 (>= 3.8, with venv) on PATH: amazon_kclpy skipped (set BENCH_PYTHON to use another interpreter)' };
  try {
    mkdirSync(dir, { recursive: true });
    log(`kclpy: creating a virtualenv in ${venv}`);
    if (!existsSync(python)) execFileSync(system, ['-m', 'venv', venv], { stdio: 'inherit' });
    log(`kclpy: pip download --no-deps --no-binary :all: amazon_kclpy==${KCLPY_VERSION}`);
    execFileSync(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--no-binary', ':all:', `amazon_kclpy==${KCLPY_VERSION}`, '-d', dir], { stdio: 'inherit' });
    const sdist = readdirSync(dir).find((f) => f.startsWith('amazon_kclpy-') && f.endsWith('.tar.gz'));
    if (sdist === undefined) throw new Error('pip downloaded no sdist');
    execFileSync('tar', ['xzf', join(dir, sdist), '-C', dir], { stdio: 'inherit' });
    if (!existsSync(join(src, 'amazon_kclpy', 'kcl.py'))) throw new Error(`${src}/amazon_kclpy/kcl.py missing after unpacking`);
    return { python, pythonPath: src, version: pythonVersion(python) };
  } catch (err) {
    return { skip: `amazon_kclpy setup failed (${err.message}): kclpy skipped` };
  }
}

function pythonVersion(python) {
  return execFileSync(python, ['--version'], { encoding: 'utf8' }).trim();
}
