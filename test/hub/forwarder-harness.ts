/**
 * Real processes over a real Unix socket for the forwarder tests: a hub stand-in that
 * records what each connection sent, and a forwarder process whose stdout, stderr and
 * exit are collected.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

export interface Session {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves on EOF from the forwarder (its stdin ended), with everything received. */
  readonly ended: Promise<Buffer>;
  /** Resolves once at least `n` bytes have arrived. */
  receivedAtLeast(n: number): Promise<Buffer>;
}

/** A hub stand-in: listens on `path`, and half-open sessions stay writable after EOF. */
export class HubStandIn {
  private readonly server: Server;
  private readonly waiting: Array<(s: Session) => void> = [];
  private readonly pending: Session[] = [];

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (socket) => {
      const session = track(socket);
      const next = this.waiting.shift();
      if (next) next(session);
      else this.pending.push(session);
    });
  }

  static async listen(path: string, options: { pauseOnConnect?: boolean } = {}): Promise<HubStandIn> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: options.pauseOnConnect ?? false });
    server.listen(path);
    await once(server, 'listening');
    return new HubStandIn(server);
  }

  /** The next connection, in the order they arrived. */
  session(): Promise<Session> {
    const ready = this.pending.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    this.server.close();
    this.server.unref();
  }
}

function track(socket: Socket): Session {
  const chunks: Buffer[] = [];
  let size = 0;
  const watchers: Array<{ n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }> = [];
  const all = () => Buffer.concat(chunks, size);
  // Waiting for bytes that can no longer come fails at once rather than at the test's timeout.
  let closed = false;
  const short = (n: number) => new Error(`the connection reached EOF after ${size} bytes, short of ${n}`);
  const noMore = () => {
    closed = true;
    for (const w of watchers.splice(0)) w.reject(short(w.n));
  };
  socket.on('end', noMore); // half-open: 'close' waits for this side, but no byte comes after EOF
  socket.on('close', noMore);
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    for (const w of watchers.filter((x) => size >= x.n)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve(all());
    }
  });
  socket.on('error', () => {}); // a forwarder killed mid-test is not the test's failure
  const ended = new Promise<Buffer>((resolve) => socket.once('end', () => resolve(all())));
  return {
    socket,
    received: all,
    ended,
    receivedAtLeast: (n) => {
      if (size >= n) return Promise.resolve(all());
      if (closed) return Promise.reject(short(n));
      return new Promise((resolve, reject) => watchers.push({ n, resolve, reject }));
    },
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** A forwarder process with its output collected. */
export class Forwarder {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly out: Buffer[] = [];
  private err = '';
  private readonly watchers: Array<{ n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }> = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  constructor(argv: readonly string[]) {
    const [program, ...args] = argv;
    this.child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // EPIPE once it has exited: the exit is what is asserted
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.out.push(chunk);
      const size = this.stdoutSize();
      for (const w of this.watchers.filter((x) => size >= x.n)) {
        this.watchers.splice(this.watchers.indexOf(w), 1);
        w.resolve(this.stdout());
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    const closed = once(this.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    this.exited = closed.then(([code, signal]) => {
      this.exit = { code, signal, stdout: this.stdout(), stderr: this.err };
      for (const w of this.watchers.splice(0)) w.reject(this.short(w.n));
      return this.exit;
    });
  }

  stdout(): Buffer {
    return Buffer.concat(this.out);
  }

  private stdoutSize(): number {
    return this.out.reduce((n, b) => n + b.length, 0);
  }

  /** Resolves once at least `n` bytes came out of its stdout. */
  stdoutAtLeast(n: number): Promise<Buffer> {
    if (this.stdoutSize() >= n) return Promise.resolve(this.stdout());
    if (this.exit) return Promise.reject(this.short(n));
    return new Promise((resolve, reject) => this.watchers.push({ n, resolve, reject }));
  }

  /** Waiting for output that can no longer come fails at once rather than at the test's timeout. */
  private short(n: number): Error {
    const e = this.exit!;
    return new Error(`the forwarder exited (${e.code ?? e.signal}) after ${e.stdout.length} bytes of stdout, short of ${n}; stderr: ${e.stderr}`);
  }

  /** Writes to its stdin, resolving once the pipe took it all (rejecting if the forwarder exits first). */
  async write(data: Buffer | string): Promise<void> {
    if (this.exit) throw this.short(0);
    if (this.child.stdin.write(data)) return;
    await Promise.race([once(this.child.stdin, 'drain'), this.exited.then(() => Promise.reject(this.short(0)))]);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** `n` random bytes; `noNul` replaces NUL (the hub's exit-status marker) by 1. */
export function randomBytes(n: number, noNul = false): Buffer {
  const b = cryptoRandomBytes(n);
  if (noNul) for (let i = 0; i < n; i++) if (b[i] === 0) b[i] = 1;
  return b;
}
