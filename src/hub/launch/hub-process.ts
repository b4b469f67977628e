/**
 * One hub: the app command started with `KCL_TS_HUB_SOCKET`, in a process group of its own
 * (as the JVM is), so that a terminal's Ctrl-C reaches only the kcl-ts command, which
 * decides what each process gets. Its stderr is passed on line by line (so that secrets are
 * masked whole), held back until the socket accepts: a hub that fails to start is then
 * reported once, with its last lines, rather than twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { constants as osConstants } from 'node:os';
import { HUB_SOCKET_ENV } from '../socket-env.js';

export interface HubExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all. */
  readonly error?: Error;
}

export interface HubProcessOptions {
  /** e.g. "hub 2 of 3", for messages. */
  readonly label: string;
  readonly argv: readonly string[];
  readonly socket: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where the hub's stderr lines go once it is ready. */
  readonly stderr: (text: string) => void;
}

const KEPT_LINES = 20;
/** Held back before the socket accepts; beyond this the oldest go (a chatty start). */
const HELD_LINES = 500;

/** `exit 1`, `killed by SIGKILL`, `could not start: …`. */
export function describeExit(exit: HubExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with status ${exit.code}`;
}

/** The exit status a shell would report for it. */
export function exitStatus(exit: HubExit): number {
  if (exit.code !== null) return exit.code;
  const num = exit.signal ? (osConstants.signals as Record<string, number>)[exit.signal] : undefined;
  return num === undefined ? 1 : 128 + num;
}

export class HubProcess {
  readonly label: string;
  readonly socket: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (or could not start). */
  readonly exited: Promise<HubExit>;
  exit: HubExit | undefined;
  private readonly lines: string[] = [];
  private held: string[] | undefined = [];
  private partial = '';
  private readonly out: (text: string) => void;

  constructor(options: HubProcessOptions) {
    this.label = options.label;
    this.socket = options.socket;
    this.out = options.stderr;
    const [program, ...args] = options.argv;
    this.child = spawn(program!, args, {
      cwd: options.cwd,
      env: { ...options.env, [HUB_SOCKET_ENV]: options.socket },
      stdio: ['ignore', 'inherit', 'pipe'],
      detached: true,
      shell: false,
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => this.take(chunk));
    this.exited = new Promise<HubExit>((resolve) => {
      this.child.once('error', (error) => {
        // Only a failed spawn leaves no exit event behind.
        if (this.child.pid === undefined) resolve((this.exit = { code: null, signal: null, error }));
      });
      this.child.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
    }).then(async (exit) => {
      // The last lines may still be in the pipe (bounded: a grandchild may hold it open).
      const stderr = this.child.stderr!;
      if (!stderr.closed) {
        await Promise.race([
          new Promise<void>((done) => stderr.once('close', () => done())),
          new Promise<void>((done) => setTimeout(done, 1000).unref()),
        ]);
      }
      if (this.partial !== '') this.line(this.partial);
      this.partial = '';
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The last stderr lines, oldest first. */
  lastLines(): readonly string[] {
    return this.lines;
  }

  /** From now on stderr goes through as it comes; what was held back goes first. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const line of held) this.out(`${line}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      /* exited meanwhile */
    }
  }

  /**
   * Waits until the hub's socket accepts a connection (an empty one, which the hub serves
   * as a session that ends at once), the hub exits, or `timeoutMs` passes.
   */
  async waitReady(timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    let delay = 10;
    for (;;) {
      if (!this.running) return 'exited';
      if (await socketAccepts(this.socket)) return this.running ? 'ready' : 'exited';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      const wait = Math.min(delay, left);
      delay = Math.min(delay * 2, 200);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), this.exited]);
    }
  }

  private take(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.line(line);
  }

  private line(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
    if (this.held) {
      this.held.push(line);
      if (this.held.length > HELD_LINES) this.held.shift();
    } else this.out(`${line}\n`);
  }
}

/** Whether something accepts a connection on `socketPath` now (the connection is closed at once). */
export function socketAccepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
