/**
 * The hub's listening socket. Anyone who can connect to it can feed a processor and
 * read its checkpoints, so it is made for its user alone: the socket file is mode 0600
 * and its directory must be one only the user can enter (made 0700 when it is missing).
 * A path held by a live hub is refused; a stale one (nothing accepts on it: a hub that
 * was killed) is replaced.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync, type Stats } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';

export class SocketPathError extends Error {
  override readonly name = 'SocketPathError';
}

/** Checks the socket's directory: it must exist (or is made) and be the user's alone. */
export function checkSocketDirectory(socketPath: string): void {
  const dir = path.dirname(path.resolve(socketPath));
  let stats: Stats;
  try {
    stats = lstatSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    stats = lstatSync(dir);
  }
  if (!stats.isDirectory()) throw new SocketPathError(`hub socket ${socketPath}: ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new SocketPathError(`hub socket ${socketPath}: its directory ${dir} belongs to uid ${stats.uid}, not to this user (${uid}): use a directory of your own`);
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new SocketPathError(
      `hub socket ${socketPath}: its directory ${dir} can be entered by others (mode ${(stats.mode & 0o777).toString(8)}): ` +
        'use a directory only you can enter (mode 700), e.g. one under $XDG_RUNTIME_DIR',
    );
  }
}

function probe(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Listens on `socketPath` with the rules above; `onConnection` gets each lease's socket. */
export async function listenUnixSocket(socketPath: string, onConnection: (socket: Socket) => void): Promise<Server> {
  // sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included.
  if (Buffer.byteLength(socketPath) > 103) {
    throw new SocketPathError(`hub socket ${socketPath}: the path is ${Buffer.byteLength(socketPath)} bytes long; a Unix socket's path may have at most 103`);
  }
  checkSocketDirectory(socketPath);
  let existing: Stats | undefined;
  try {
    existing = lstatSync(socketPath);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined) {
    if (!existing.isSocket()) throw new SocketPathError(`hub socket ${socketPath}: the path exists and is not a socket; not replacing it`);
    if (await probe(socketPath)) throw new SocketPathError(`hub socket ${socketPath}: a live hub is listening there already`);
    unlinkSync(socketPath);
  }
  const server = createServer({ allowHalfOpen: true }, onConnection);
  // The socket file is made by listen(): without the mask it would exist for a moment as 0755 & ~umask.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(socketPath, 0o600);
  return server;
}
