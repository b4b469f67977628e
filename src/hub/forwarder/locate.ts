/**
 * Which forwarder a lease's child runs in hub mode, as an argv and as an `executableName`.
 *
 * The native forwarder (forwarder.c, built per platform by scripts/build-forwarder.mjs
 * into dist/hub/forwarder/<platform>-<arch>/) costs under 0.1 MB PSS per lease (0.02 MB
 * measured by bench/forwarder.mjs); where none fits, the Node forwarder keeps the same
 * contract at ~8 MB per lease, and the caller gets one warning to print that says so and
 * how to fix it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FORWARDER_BINARY = 'kcl-ts-forwarder';
/** An explicit native forwarder binary, taken before the built ones. */
export const FORWARDER_ENV = 'KCL_TS_FORWARDER';

export interface ForwarderCommand {
  /** Absolute program path first, then the absolute socket paths (one per hub). */
  readonly argv: readonly string[];
  readonly kind: 'native' | 'node';
  /** Set when the Node forwarder was chosen: one line for the caller to print once. */
  readonly warning?: string;
}

export interface LocateOptions {
  /** Default: this process's. */
  readonly platform?: NodeJS.Platform;
  /** Default: this process's. */
  readonly arch?: string;
  /** The folder holding <platform>-<arch>/kcl-ts-forwarder and node-forwarder.js. Default: this package's dist/hub/forwarder. */
  readonly dir?: string;
  /** The node binary for the Node forwarder. Default: this process's. */
  readonly node?: string;
  /** Where KCL_TS_FORWARDER is read. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

// Both src/hub/forwarder/ and dist/hub/forwarder/ are three levels below the package
// root, so running from source (tsx, vitest) finds the same built files as the package.
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_FORWARDER_DIR = path.join(PACKAGE_ROOT, 'dist', 'hub', 'forwarder');

/** sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, with the NUL. */
function maxSocketPathBytes(platform: NodeJS.Platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Where the native forwarder for a platform and arch is looked for. */
export function nativeForwarderPath(options: LocateOptions = {}): string {
  const target = `${options.platform ?? process.platform}-${options.arch ?? process.arch}`;
  return path.join(options.dir ?? DEFAULT_FORWARDER_DIR, target, FORWARDER_BINARY);
}

/** Why `file` cannot be run, or undefined if it can. */
function notRunnable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'not a file';
    accessSync(file, constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'not built' : code === 'EACCES' ? 'not executable (chmod +x it)' : String(code);
  }
}

/**
 * The command that forwards one lease to the hub at `socketPath` (or, given several, to
 * one of those hubs in turn): the native forwarder for this platform and arch if it is
 * there and executable, else the Node forwarder with a warning. Throws if a socket path
 * cannot be a Unix socket address, if KCL_TS_FORWARDER names something that cannot run,
 * or if neither forwarder exists.
 */
export function locateForwarder(socketPath: string | readonly string[], options: LocateOptions = {}): ForwarderCommand {
  const platform = options.platform ?? process.platform;
  const given = typeof socketPath === 'string' ? [socketPath] : socketPath;
  if (given.length === 0) throw new Error('locateForwarder: no hub socket path');
  const sockets = given.map((p) => path.resolve(p));
  const max = maxSocketPathBytes(platform);
  for (const socket of sockets) {
    if (Buffer.byteLength(socket) > max) {
      throw new Error(`hub socket path ${socket} is ${Buffer.byteLength(socket)} bytes; a Unix socket path has at most ${max} on ${platform}`);
    }
  }

  const explicit = (options.env ?? process.env)[FORWARDER_ENV];
  if (explicit !== undefined && explicit !== '') {
    const file = path.resolve(explicit);
    const why = notRunnable(file);
    if (why !== undefined) throw new Error(`${FORWARDER_ENV}=${explicit}: ${file} cannot be run: ${why}`);
    return { argv: [file, ...sockets], kind: 'native' };
  }

  const native = nativeForwarderPath(options);
  const why = notRunnable(native);
  if (why === undefined) return { argv: [native, ...sockets], kind: 'native' };

  const dir = options.dir ?? DEFAULT_FORWARDER_DIR;
  const script = path.join(dir, 'node-forwarder.js');
  if (notRunnable(script) === 'not built') {
    throw new Error(`no forwarder found: ${native} is ${why} and ${script} does not exist (run npm run build)`);
  }
  const target = `${platform}-${options.arch ?? process.arch}`;
  const warning =
    `kcl-ts hub: no native forwarder for ${target} (${native}: ${why}); each lease runs the Node forwarder instead, ` +
    `~8 MB PSS per lease against under 0.1 MB native. To fix, compile it there: ` +
    `cc -O2${platform === 'darwin' ? '' : ' -static'} -pthread -o ${native} ${path.join(dir, 'forwarder.c')}, ` +
    `or set ${FORWARDER_ENV} to a forwarder binary.`;
  return { argv: [path.resolve(options.node ?? process.execPath), script, ...sockets], kind: 'node', warning };
}

/**
 * The command as an `executableName` value: words joined by one space. The daemon splits
 * that value on spaces with no shell and no quoting, so a word with whitespace cannot be
 * written at all; a backslash would be taken as an escape by the .properties reader.
 */
export function formatExecutableName(argv: readonly string[]): string {
  const [program] = argv;
  if (program === undefined) throw new Error('formatExecutableName: empty command');
  if (!path.isAbsolute(program)) throw new Error(`forwarder program ${program} is not an absolute path: the daemon resolves it against its own working directory`);
  for (const word of argv) {
    if (word === '') throw new Error('formatExecutableName: empty word in the command');
    if (/\s/.test(word)) {
      throw new Error(`${word} contains whitespace: the daemon splits executableName on spaces, so it cannot be one word there; use a path without spaces (a symlink will do)`);
    }
    if (word.includes('\\')) throw new Error(`${word} contains a backslash, which a .properties file takes as an escape`);
  }
  return argv.join(' ');
}
