/**
 * `kcl-ts hub`: hub mode for users who start the daemon themselves. `hub forwarder`
 * prints the `executableName` that runs the forwarder; `hub --socket PATH -- <app>` runs
 * the app as a hub on that socket, as `kcl-ts run --hub` would.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { formatExecutableName, locateForwarder } from '../../hub/forwarder/locate.js';
import { MAX_SOCKET_PATH_BYTES } from '../../hub/launch/hub-directory.js';
import { describeExit, exitStatus, HubProcess, socketAccepts } from '../../hub/launch/hub-process.js';
import { STOP_SIGNALS } from '../../process/signals.js';
import { checkSocketDirectory, SocketPathError } from '../../transport/unix-socket.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type CliIO, type Command } from '../command.js';
import { DEFAULT_HUB_TIMEOUT_SECONDS } from './hub-options.js';

const HELP = `Usage: kcl-ts hub forwarder <socket> [<socket>...]
       kcl-ts hub --socket PATH [--timeout S] -- <app command> [args...]

Hub mode by hand, for when you start the daemon yourself (kcl-ts run --hub does all of
this for you). In hub mode one Node process, the hub, serves every shard lease of the
worker; the daemon still starts one child per lease, but that child is a small forwarder
joining the lease's stdin/stdout to the hub's Unix socket.

kcl-ts hub forwarder <socket> [<socket>...]
  Prints, on one line of stdout, the executableName that runs the forwarder for these
  sockets: absolute paths, single spaces, nothing for a shell to expand. Given several
  sockets (one per hub), the forwarder spreads the leases over them in turn. Where no
  native forwarder is built for this platform the Node one is used, and a warning on
  stderr says what it costs and how to build the native one.

kcl-ts hub --socket PATH [--timeout S] -- <app command> [args...]
  Runs the app command (no shell) as a hub: with KCL_TS_HUB_SOCKET=PATH, so that its
  run() serves lease sessions on PATH (run() must get a factory:
  run(() => new MyProcessor())). Waits until the socket accepts and says so on stderr,
  forwards SIGINT, SIGTERM and SIGHUP to the app (which then stops accepting and exits once
  the daemon has ended its sessions), and exits with the app's status. Start the hub
  before the daemon.

The socket: anyone who can connect to it can feed your processor, so its directory must
be yours alone (mode 700; it is made so when missing), e.g. one under $XDG_RUNTIME_DIR;
the path may be at most ${MAX_SOCKET_PATH_BYTES} bytes; a path where a live hub listens is
refused, a stale socket (a killed hub's) is replaced.

Options:
  --socket PATH     the hub's Unix socket (required to run a hub)
  --timeout S       how long the socket may take to accept (default ${DEFAULT_HUB_TIMEOUT_SECONDS} s)
  -h, --help        show this help

Example (two hubs; start them before the daemon):
  mkdir -m 700 -p $XDG_RUNTIME_DIR/app
  kcl-ts hub --socket $XDG_RUNTIME_DIR/app/1.sock -- node dist/app.js &
  kcl-ts hub --socket $XDG_RUNTIME_DIR/app/2.sock -- node dist/app.js &
  kcl-ts hub forwarder $XDG_RUNTIME_DIR/app/1.sock $XDG_RUNTIME_DIR/app/2.sock
  (prints /…/kcl-ts-forwarder /run/user/1000/app/1.sock /run/user/1000/app/2.sock:
  put that line in the properties as executableName, then start the daemon)

More: docs/cli.md (kcl-ts hub).
`;

export const hubCommand: Command = {
  name: 'hub',
  summary: 'hub mode by hand: print the forwarder executableName, or run an app as a hub',
  help: HELP,
  async run(argv, io) {
    if (argv[0] === 'forwarder') return printForwarder(argv.slice(1), io);
    const sep = argv.indexOf('--');
    const own = sep === -1 ? argv : argv.slice(0, sep);
    const app = sep === -1 ? [] : argv.slice(sep + 1);
    const parsed = parseCommandArgs(this, own, io, { socket: { type: 'string' }, timeout: { type: 'string' } }, true);
    if (!parsed) return 0;
    if (parsed.positionals.length > 0) {
      throw new UsageError(
        `unexpected argument: ${parsed.positionals[0]} (the app command goes after --: kcl-ts hub --socket PATH -- node dist/app.js; or kcl-ts hub forwarder <socket>)`,
      );
    }
    const socketText = str(parsed.values['socket']);
    if (socketText === undefined || socketText === '') throw new UsageError('missing --socket PATH');
    if (app.length === 0) throw new UsageError('missing the app command after --');
    const timeoutMs = parseTimeout(str(parsed.values['timeout']));
    return runHub(path.resolve(io.cwd, socketText), app, timeoutMs, io);
  },
};

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_HUB_TIMEOUT_SECONDS * 1000;
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(seconds > 0) || seconds > 3600) throw new UsageError(`--timeout must be a number of seconds above 0 and at most 3600, got ${JSON.stringify(text)}`);
  return Math.round(seconds * 1000);
}

function printForwarder(args: string[], io: CliIO): number {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(HELP);
    return 0;
  }
  const option = args.find((a) => a.startsWith('-'));
  if (option !== undefined) throw new UsageError(`hub forwarder takes socket paths only, got ${option}`);
  if (args.length === 0) throw new UsageError('missing the socket path: kcl-ts hub forwarder <socket> [<socket>...]');
  const sockets = args.map((a) => path.resolve(io.cwd, a));
  const twice = sockets.find((s, i) => sockets.indexOf(s) !== i);
  if (twice !== undefined) throw new UsageError(`hub forwarder: the socket ${twice} is given twice`);
  const located = locateForwarder(sockets);
  const line = formatExecutableName(located.argv);
  if (located.warning) io.stderr(`${located.warning}\n`);
  io.stdout(`${line}\n`);
  return 0;
}

/** Refuses a socket path that cannot work, before the app is started. */
function checkSocketPath(socket: string): void {
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    throw new SocketPathError(`--socket ${socket}: ${Buffer.byteLength(socket)} bytes; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  checkSocketDirectory(socket);
  let isSocket: boolean | undefined;
  try {
    isSocket = lstatSync(socket).isSocket();
  } catch {
    isSocket = undefined;
  }
  if (isSocket === false) throw new SocketPathError(`--socket ${socket}: the path exists and is not a socket`);
}

async function runHub(socket: string, argv: string[], timeoutMs: number, io: CliIO): Promise<number> {
  try {
    checkSocketPath(socket);
    // Else the wait below would take the other hub's socket for this one's.
    if (await socketAccepts(socket)) throw new SocketPathError(`--socket ${socket}: a live hub is listening there already`);
  } catch (err) {
    if (err instanceof SocketPathError) {
      io.stderr(`kcl-ts hub: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const hub = new HubProcess({ label: 'the hub', argv, socket, cwd: io.cwd, env: io.env, stderr: io.stderr });
  const forward = (signal: NodeJS.Signals): void => hub.signal(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  try {
    const ready = await hub.waitReady(timeoutMs);
    hub.release();
    if (ready === 'ready') {
      io.stderr(`kcl-ts hub: ready: ${argv.join(' ')} (pid ${hub.pid}) accepts lease sessions on ${socket}\n`);
    } else if (ready === 'timeout') {
      io.stderr(`kcl-ts hub: the app (pid ${hub.pid}) did not accept on ${socket} within ${timeoutMs / 1000} s: stopping it\n`);
      hub.signal('SIGTERM');
      const stopped = await Promise.race([hub.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))]);
      if (stopped === undefined) hub.signal('SIGKILL');
      await hub.exited;
      return 1;
    }
    const exit = await hub.exited;
    if (exit.error || ready !== 'ready' || exit.code !== 0) {
      io.stderr(`kcl-ts hub: the app ${describeExit(exit)}${ready === 'ready' ? '' : ' before its socket accepted'}\n`);
    }
    // An app that ended before it ever accepted has failed, whatever its status says.
    const status = exit.error ? 1 : exitStatus(exit);
    return ready === 'ready' || status !== 0 ? status : 1;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, forward);
  }
}
