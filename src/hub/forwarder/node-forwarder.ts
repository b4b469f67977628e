/**
 * The Node forwarder: what a lease's child runs in hub mode where no native forwarder was
 * built for the platform. It keeps the native one's contract exactly (forwarder.c's header
 * and README.md beside this file): bytes unchanged both ways, stdin EOF -> half-close of
 * the socket, socket EOF after stdin's -> exit 0 (before it: the hub is gone, exit 1), "\0" + code byte from the hub -> exit code, SIGTERM,
 * SIGINT and SIGHUP ignored, connect retried for at most 1 s. It costs a Node runtime per
 * lease (~8 MB PSS against 0.02 MB measured), which is why it is only the fallback.
 *
 * It writes to stderr directly rather than through pino: a forwarder has one thing to say
 * at most, and loading a logger would add to the memory paid per lease.
 *
 * Given several socket paths (one per hub), it takes the next hub in turn from
 * "<first socket>.turns" as the native one does, with one difference: Node cannot read a
 * file offset, so the turn is the file's size after the append, and two forwarders
 * appending in the same instant may share a turn (one hub gets one lease more).
 *
 * Run as: node node-forwarder.js <hub socket path> [<hub socket path>...]
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

// First thing: until these listeners exist, a signal sent to every process at once would
// kill the lease in the middle of the daemon's graceful shutdown.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});

const CONNECT_BUDGET_MS = 1000;
const RETRIED = new Set(['ENOENT', 'ECONNREFUSED']);

function say(message: string): void {
  process.stderr.write(`kcl-ts-forwarder: ${message}\n`);
}

function errorText(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code} (${err.message})` : err.message;
}

let exiting = false;
/** The daemon ended the lease: the hub's EOF after this is the session's clean end. */
let stdinEnded = false;

/** Ends the process once everything handed to stdout has been written (or stdout is gone). */
function finish(status: number): void {
  if (exiting) return;
  exiting = true;
  process.stdin.pause();
  if (process.stdout.writableLength === 0 || process.stdout.destroyed) process.exit(status);
  process.stdout.once('drain', () => process.exit(status));
  process.stdout.once('close', () => process.exit(status));
}

/** socket -> stdout, with the exit-status frame taken out of the byte stream. */
function forwardDown(socket: Socket, path: string): void {
  let writing = true;
  let frameSeen = false;
  process.stdout.on('error', () => {
    // The daemon no longer reads: keep reading the socket, dropping its bytes, so that
    // the process still ends when the hub ends the session.
    writing = false;
    socket.resume();
  });
  socket.on('data', (chunk: Buffer) => {
    if (exiting) return; // past the frame: the rest is ignored
    if (frameSeen) return finish(chunk[0]!);
    const nul = chunk.indexOf(0);
    const before = nul < 0 ? chunk : chunk.subarray(0, nul);
    // stdout is the daemon's protocol channel, and these are the hub's protocol bytes for it.
    if (writing && before.length > 0 && !process.stdout.write(before) && nul < 0) {
      socket.pause();
      process.stdout.once('drain', () => socket.resume());
    }
    if (nul < 0) return;
    if (nul + 1 < chunk.length) return finish(chunk[nul + 1]!);
    frameSeen = true; // the code byte comes in the next chunk
  });
  // EOF, or a close after a write error (Node destroys a socket whose write failed):
  // 0 as for EOF, 1 if the frame was cut short.
  const ended = (): void => {
    if (exiting) return;
    if (frameSeen) return finish(1);
    if (stdinEnded) return finish(0);
    say(`the hub at ${path} ended the session before the daemon did (the hub stopped or died)`);
    finish(1);
  };
  socket.on('end', ended);
  socket.on('close', ended);
}

/** stdin -> socket; EOF on stdin half-closes the socket. */
function forwardUp(socket: Socket, path: string): void {
  process.stdin.once('end', () => (stdinEnded = true));
  process.stdin.pipe(socket);
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      // The hub stopped reading: this direction is done. stdin stays open, unread, so
      // that the daemon's writes do not fail; the hub's close ends the process.
      process.stdin.unpipe(socket);
      process.stdin.pause();
      return;
    }
    say(`lost the hub at ${path}: ${errorText(err)}`);
    finish(1);
  });
}

function start(path: string, waited: number, delay: number): void {
  const socket = connect({ path, allowHalfOpen: true });
  socket.once('error', (err: NodeJS.ErrnoException) => {
    if (RETRIED.has(err.code ?? '') && waited < CONNECT_BUDGET_MS) {
      const wait = Math.min(delay, CONNECT_BUDGET_MS - waited);
      setTimeout(() => start(path, waited + wait, delay * 2), wait);
      return;
    }
    say(`cannot connect to hub socket ${path}: ${errorText(err)}`);
    process.exit(1);
  });
  socket.once('connect', () => {
    socket.removeAllListeners('error');
    forwardUp(socket, path);
    forwardDown(socket, path);
  });
}

const TURNS_RESET = 1 << 20;

/** Which of `sockets` this lease uses: the next turn, else the pid (forwarder.c's "Several hubs"). */
function pickSocket(sockets: readonly string[]): string {
  if (sockets.length === 1) return sockets[0]!;
  let turn: number | undefined;
  try {
    const fd = openSync(`${sockets[0]}.turns`, 'a', 0o600);
    try {
      writeSync(fd, '\n');
      const size = fstatSync(fd).size;
      if (size >= TURNS_RESET) ftruncateSync(fd, 0);
      turn = size - 1;
    } finally {
      closeSync(fd);
    }
  } catch {
    turn = undefined;
  }
  return sockets[(turn ?? process.pid) % sockets.length]!;
}

const sockets = process.argv.slice(2);
if (sockets.length === 0) {
  say('usage: kcl-ts-forwarder <hub socket path> [<hub socket path>...]');
  process.exit(2);
}
start(pickSocket(sockets), 0, 10);
