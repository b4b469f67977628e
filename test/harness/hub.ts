/**
 * Hub mode under test, started as a user who runs `java` themselves would: the processor
 * app as its own process with `KCL_TS_HUB_SOCKET` (a socket in a directory only this
 * user can enter), and the daemon's `executableName` set to the forwarder line for that
 * socket. The hub is one process in a group of its own, registered for clean-up like
 * every other process of the harness.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatExecutableName, locateForwarder, type ForwarderCommand } from '../../src/hub/forwarder/locate.js';
import { REPO_ROOT } from './kcl.js';
import { spawnManaged, waitFor, type ManagedProcess } from './processes.js';

export const HUB_PROCESSOR = 'test/e2e/processors/recording-hub.ts';

export interface HubOptions {
  name: string;
  /** Where the hub's log goes. */
  workDir: string;
  /** Repo-relative TypeScript file (default: the recording hub). */
  processor?: string;
  env?: Record<string, string>;
  /**
   * Where the daemon's `executableName` comes from: `locator` (default) calls
   * `locateForwarder` + `formatExecutableName`; `cli` runs `kcl-ts hub forwarder <socket>`
   * (from source) and takes the line it prints, as a user would.
   */
  executableNameFrom?: 'locator' | 'cli';
}

export interface Hub {
  name: string;
  process: ManagedProcess;
  socketPath: string;
  /** What `locateForwarder` chose for this socket. */
  forwarder: ForwarderCommand;
  /** The `executableName` for the daemon: the forwarder line. */
  executableName: string;
}

/**
 * A fresh socket path: `mkdtemp` makes its directory mode 0700, as the hub requires. Under
 * the system's temporary directory rather than a test's work directory, which can be
 * deep enough to pass a Unix socket path's 107 bytes.
 */
export function hubSocketPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-e2e-hub-'));
  socketDirs.add(dir);
  return path.join(dir, 'hub.sock');
}

const socketDirs = new Set<string>();

/**
 * Removes every socket directory `hubSocketPath` made, whatever is left in it (a killed
 * hub's socket): call after the hubs are gone, e.g. in `afterAll` after `stopAll`. Not
 * done at a hub's exit, where a test may still look for what the hub left.
 */
export function removeHubSocketDirs(): void {
  for (const dir of socketDirs) rmSync(dir, { recursive: true, force: true });
  socketDirs.clear();
}

/** Resolves once something accepts a connection on `socketPath`. */
export function socketAccepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      // An empty connection is an empty session to the hub: it ends without a word.
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts the processor app in hub mode, one node process (tsx's loader inside node, no
 * wrapper process: a signal sent to the hub's pid reaches the hub itself), and waits
 * until its socket accepts.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const socketPath = hubSocketPath();
  const loader = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const script = path.resolve(REPO_ROOT, options.processor ?? HUB_PROCESSOR);
  const proc = spawnManaged(options.name, process.execPath, ['--import', loader, script], {
    env: { ...process.env, NODE_NO_WARNINGS: '1', FORCE_COLOR: '0', KCL_TS_HUB_SOCKET: socketPath, ...options.env },
    logFile: path.join(options.workDir, `${options.name}.log`),
    cwd: options.workDir,
  });
  await waitFor(
    `${options.name} accepting on ${socketPath}`,
    async () => {
      if (!proc.running) throw new Error(`${options.name} exited: ${proc.tail(30)}`);
      return socketAccepts(socketPath);
    },
    30_000,
    50,
  );
  const forwarder = locateForwarder(socketPath);
  const executableName = options.executableNameFrom === 'cli' ? await cliForwarderLine(socketPath) : formatExecutableName(forwarder.argv);
  return { name: options.name, process: proc, socketPath, forwarder, executableName };
}

/** `kcl-ts hub forwarder <socket>` through the CLI, run from source: the one line it prints. */
export function cliForwarderLine(socketPath: string): Promise<string> {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const cli = path.join(REPO_ROOT, 'test', 'harness', 'kcl-ts-cli.ts');
  return new Promise((resolve, reject) => {
    execFile(tsx, [cli, 'hub', 'forwarder', socketPath], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l !== '');
      if (err || lines.length !== 1) {
        reject(new Error(`kcl-ts hub forwarder ${socketPath}: ${err ? err.message : `${lines.length} lines of stdout`}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else {
        resolve(lines[0]!);
      }
    });
  });
}

/**
 * The forwarders for `hub` alive now among `pids` (e.g. the JVM's children): processes
 * whose command line is the forwarder line, whichever kind it is.
 */
export function forwardersOf(hub: Hub, pids: readonly number[]): number[] {
  const line = hub.forwarder.argv.join('\0');
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '') === line;
    } catch {
      return false; // exited meanwhile
    }
  });
}
