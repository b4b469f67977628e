/**
 * A registry of every process the harness starts, so no test leaves a server behind.
 *
 * - Each process is spawned `detached`: it leads its own process group, and stopping it
 *   signals the whole group (a JVM's children, a shell's children).
 * - On normal exit, SIGINT, SIGTERM, SIGHUP and uncaught errors of this Node process,
 *   every group still registered is sent SIGKILL.
 * - If this Node process dies without running its handlers (SIGKILL, OOM), a tiny
 *   detached watchdog (`sh`), one per spawned process, notices within a second that
 *   its parent is gone and kills the group.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { sleep, waitFor } from '../../src/local/wait.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnManagedOptions {
  cwd?: string;
  /** Full environment (defaults to `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr (prefixed `[out]`/`[err]`) to this file. */
  logFile?: string;
  /** Also echo every line to this process's stderr, prefixed with the name. */
  echo?: boolean;
  /** Lines kept in memory for `recentOutput()`. Default 2000. */
  keepLines?: number;
  /** Spawn with a watchdog that kills the group if this process dies. Default true. */
  watchdog?: boolean;
  /** Give the child a stdin pipe (default: ignore). */
  stdin?: boolean;
}

export interface StopOptions {
  /** First signal, sent to the whole group. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** After this long, SIGKILL the group. Default 10 s. */
  timeoutMs?: number;
}

type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt = Date.now();
  /**
   * Resolves when the process leader exits (never rejects). Its last output may still be
   * in the pipes then: see `waitForOutputEnd`.
   */
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;

  private readonly lines: string[] = [];
  private readonly keepLines: number;
  private readonly listeners = new Set<LineListener>();
  private readonly log: WriteStream | undefined;
  private readonly echo: boolean;
  private watchdogPid: number | undefined;
  private readonly stopHooks: (() => void)[] = [];
  /** Resolves once stdout and stderr are both closed, every line of them recorded. */
  private readonly outputClosed: Promise<void>;
  /** SIGKILL after this long when `stop()` is not given a timeout. */
  defaultStopTimeoutMs = 10_000;

  constructor(name: string, command: string, args: readonly string[], options: SpawnManagedOptions = {}) {
    this.name = name;
    this.keepLines = options.keepLines ?? 2000;
    this.echo = options.echo ?? false;
    if (options.logFile) {
      mkdirSync(path.dirname(options.logFile), { recursive: true });
      this.log = createWriteStream(options.logFile, { flags: 'a' });
    }
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    };
    const child = spawn(command, [...args], spawnOptions);
    this.child = child;
    if (child.pid === undefined) {
      // spawn failed synchronously (ENOENT is reported via 'error' with pid undefined)
      this.pid = -1;
    } else {
      this.pid = child.pid;
    }
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (err) => {
        this.record('stderr', `[harness] spawn error: ${err.message}`);
        if (this.pid === -1) {
          this.exitInfo = { code: -1, signal: null };
          resolve(this.exitInfo);
        }
      });
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    this.outputClosed = Promise.all([this.pipeLines(child.stdout, 'stdout'), this.pipeLines(child.stderr, 'stderr')]).then(
      () => undefined,
    );
    if (this.pid > 0) {
      registry.add(this);
      if (options.watchdog ?? true) this.startWatchdog();
      void this.exited.then(() => {
        // The leader is gone; its group may still hold children. Leave the registry
        // entry until the group is gone too (checked by `stop`/`killAllSync`).
        this.log?.write(`[harness] ${this.name} exited code=${this.exitInfo?.code} signal=${this.exitInfo?.signal}\n`);
      });
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last `keepLines` lines of stdout and stderr, interleaved as received. */
  recentOutput(): string {
    return this.lines.join('\n');
  }

  /** Run before the first signal of `stop()` (e.g. close clients holding keep-alive connections). */
  beforeStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolve with the first line (already seen or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number, opts: { includePast?: boolean } = {}): Promise<string> {
    if (opts.includePast ?? true) {
      const found = this.lines.find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms.\n--- last output ---\n${this.tail(40)}`));
      }, timeoutMs);
      const off = this.onLine((line) => {
        if (pattern.test(line)) {
          clearTimeout(timer);
          off();
          resolve(line);
        }
      });
      void this.exited.then((info) => {
        // give lines still in the pipes a chance to arrive (a later resolve wins)
        setTimeout(() => {
          clearTimeout(timer);
          off();
          reject(new Error(`${this.name} exited (${JSON.stringify(info)}) before a line matching ${pattern}.\n--- last output ---\n${this.tail(40)}`));
        }, 300);
      });
    });
  }

  tail(n: number): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Send a signal to the process leader only (not its group). */
  signal(signal: NodeJS.Signals): void {
    if (this.pid > 0 && this.running) {
      try {
        process.kill(this.pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** Send a signal to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.pid > 0) {
      try {
        process.kill(-this.pid, signal);
      } catch {
        /* group already gone */
      }
    }
  }

  /** True while any process of the group is alive. */
  groupAlive(): boolean {
    if (this.pid <= 0) return false;
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stop the whole group: `signal` (default SIGTERM) to the group, then SIGKILL after
   * `timeoutMs`. Resolves with the leader's exit once the group is gone.
   */
  async stop(options: StopOptions = {}): Promise<ExitInfo> {
    for (const hook of this.stopHooks.splice(0)) {
      try {
        hook();
      } catch {
        /* best effort */
      }
    }
    const timeoutMs = options.timeoutMs ?? this.defaultStopTimeoutMs;
    if (this.pid <= 0) return this.exited;
    if (this.groupAlive()) this.signalGroup(options.signal ?? 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (this.groupAlive() && Date.now() < deadline) await sleep(50);
    if (this.groupAlive()) {
      this.signalGroup('SIGKILL');
      const hardDeadline = Date.now() + 5000;
      while (this.groupAlive() && Date.now() < hardDeadline) await sleep(20);
    }
    const info = await this.exited;
    this.forget();
    return info;
  }

  /**
   * Wait until stdout and stderr are closed, so that `recentOutput()`/`tail()` hold every
   * line the process (and whatever shared its pipes) wrote. Node may report the exit
   * before the last chunks in the pipes are read: call this after an exit, before
   * asserting on the output. Throws after `timeoutMs`.
   */
  async waitForOutputEnd(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.outputClosed, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      throw new Error(`${this.name}: stdout/stderr still open ${timeoutMs} ms later (a process still holds them?).\n--- last output ---\n${this.tail(40)}`);
    }
  }

  /** Wait for the leader to exit, SIGKILLing the group after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo> {
    const timer = sleep(timeoutMs).then(() => undefined);
    const result = await Promise.race([this.exited, timer]);
    if (result === undefined) {
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms.\n--- last output ---\n${this.tail(40)}`);
    }
    return result;
  }

  /** SIGKILL the group synchronously (used on the way out). */
  killSync(): void {
    this.signalGroup('SIGKILL');
    this.killWatchdog();
  }

  private forget(): void {
    registry.delete(this);
    this.killWatchdog();
    this.log?.end();
  }

  private killWatchdog(): void {
    if (this.watchdogPid !== undefined) {
      try {
        process.kill(this.watchdogPid, 'SIGKILL');
      } catch {
        /* gone */
      }
      this.watchdogPid = undefined;
    }
  }

  private startWatchdog(): void {
    this.watchdogPid = startWatchdog(this.pid);
  }

  private record(stream: 'stdout' | 'stderr', line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keepLines) this.lines.splice(0, this.lines.length - this.keepLines);
    this.log?.write(`${stream === 'stdout' ? '[out]' : '[err]'} ${line}\n`);
    if (this.echo) process.stderr.write(`[${this.name}] ${line}\n`);
    for (const listener of [...this.listeners]) {
      try {
        listener(line, stream);
      } catch {
        /* a listener's failure is not ours */
      }
    }
  }

  /** Records each line of `stream`; resolves when it is closed (after its last line). */
  private pipeLines(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): Promise<void> {
    if (!stream) return Promise.resolve();
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    stream.setEncoding('utf8');
    let buffered = '';
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.record(name, buffered.slice(0, nl).replace(/\r$/, ''));
        buffered = buffered.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (buffered) this.record(name, buffered);
      buffered = '';
    });
    return closed;
  }
}

const registry = new Set<ManagedProcess>();

/** Spawn a process into its own group and register it for clean-up. */
export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnManagedOptions = {},
): ManagedProcess {
  installExitHandlers();
  return new ManagedProcess(name, command, args, options);
}

/** Every process still registered. */
export function managedProcesses(): ManagedProcess[] {
  return [...registry];
}

/** Stop every registered process (SIGTERM, then SIGKILL after `timeoutMs`). */
export async function stopAll(options: StopOptions = {}): Promise<void> {
  await Promise.all([...registry].map((p) => p.stop(options)));
  killAdoptedSync();
}

/**
 * Process groups started by someone else on our behalf (e.g. the JVM that `kcl-ts run`
 * spawns into its own group): SIGKILLed by `stopAll`/`killAllSync` unless released.
 */
const adoptedGroups = new Set<number>();

export function adoptProcessGroup(pgid: number): () => void {
  installExitHandlers();
  adoptedGroups.add(pgid);
  const dog = startWatchdog(pgid);
  return () => {
    adoptedGroups.delete(pgid);
    if (dog !== undefined) {
      try {
        process.kill(dog, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
}

/**
 * A detached `sh` that SIGKILLs group `pgid` if this Node process dies first, and exits
 * by itself once the group is gone. Returns its pid.
 */
function startWatchdog(pgid: number): number | undefined {
  const script =
    'while kill -0 "$0" 2>/dev/null; do kill -0 -"$1" 2>/dev/null || exit 0; sleep 1; done; kill -KILL -"$1" 2>/dev/null; exit 0';
  try {
    const dog = spawn('sh', ['-c', script, String(process.pid), String(pgid)], { detached: true, stdio: 'ignore' });
    dog.on('error', () => undefined);
    dog.unref();
    return dog.pid;
  } catch {
    return undefined;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children's pids of a process (Linux /proc). */
export function childPids(pid: number): number[] {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    const out: number[] = [];
    for (const task of tasks) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

function killAdoptedSync(): void {
  for (const pgid of adoptedGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  adoptedGroups.clear();
}

/** SIGKILL every registered group, synchronously. */
export function killAllSync(): void {
  for (const p of registry) p.killSync();
  registry.clear();
  killAdoptedSync();
}

let handlersInstalled = false;
let handleSignals = true;

/**
 * For programs with their own SIGINT/SIGTERM handling (e.g. a graceful first Ctrl-C):
 * call before spawning anything. Exit and crash clean-up stay installed; calling
 * `killAllSync()` on the way out is then the caller's job.
 */
export function leaveSignalsToCaller(): void {
  handleSignals = false;
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  // Does not change Node's default crash behaviour; only cleans up on the way.
  process.on('uncaughtExceptionMonitor', killAllSync);
  if (!handleSignals) return;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllSync();
      process.off(sig, handler);
      // Re-raise so the exit status says what happened.
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// One polling helper for the harness and the package's stand-ins.
export { sleep, waitFor };

/**
 * Every descendant of `pid` (children, grandchildren, ...), read from `/proc/<pid>/stat`
 * of every process: the whole tree whatever process groups it spans (a JVM that
 * `kcl-ts run` starts in a group of its own, its children).
 */
export function descendantPids(pid: number): number[] {
  const parentOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const list = parentOf.get(ppid) ?? [];
    list.push(Number(entry));
    parentOf.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parentOf.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * `signal` to `pid` and every descendant at (nearly) the same moment, as systemd's
 * `KillMode=control-group` does to a unit's processes: the tree is read first, then each
 * pid is signalled in one tight loop. Returns the pids signalled.
 */
export function signalTree(pid: number, signal: NodeJS.Signals): number[] {
  const pids = [pid, ...descendantPids(pid)];
  const signalled: number[] = [];
  for (const p of pids) {
    try {
      process.kill(p, signal);
      signalled.push(p);
    } catch {
      /* exited meanwhile */
    }
  }
  return signalled;
}
