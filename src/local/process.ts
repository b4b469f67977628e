/**
 * The processes `kcl-ts dev` starts (kinesis-local, DynamoDB Local, the daemon), each in
 * a process group of its own so that stopping one stops whatever it started (a JVM's
 * shard children), and none outlives `kcl-ts dev`:
 * - every group still running is SIGKILLed when this process exits or crashes;
 * - a tiny detached watchdog (`sh`) per group kills it within a second if this process
 *   dies without running its handlers (SIGKILL, OOM).
 * A terminal's Ctrl-C reaches only `kcl-ts dev` (the groups are not in the foreground),
 * which then decides how to stop them.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { sleep, waitFor } from './wait.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** First signal, sent to the whole group. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** SIGKILL the group after this long. Default: the process's `defaultStopTimeoutMs`. */
  timeoutMs?: number;
}

/** What the stand-ins need of a started process (the test harness's processes fit too). */
export interface StandInProcess {
  readonly pid: number;
  readonly running: boolean;
  /** Resolves when the group's leader exits; never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** The last `lines` lines of output. */
  tail(lines: number): string;
  /** Run before the first signal of `stop()`. */
  beforeStop(hook: () => void): void;
  stop(options?: StopOptions): Promise<unknown>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append every output line here. */
  logFile?: string;
  /** Echo every output line to stderr, prefixed with the name. */
  echo?: boolean;
  /** `stop()` without a timeout SIGKILLs after this long. Default 10 s. */
  stopTimeoutMs?: number;
}

/** Starts a process for a stand-in; injectable so the test harness can register its own. */
export type Spawner<P extends StandInProcess> = (name: string, command: string, args: readonly string[], options: SpawnOptions) => P;

const KEEP_LINES = 200;
const running = new Set<LocalProcess>();

export class LocalProcess implements StandInProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  defaultStopTimeoutMs: number;
  private readonly lines: string[] = [];
  private readonly log: WriteStream | undefined;
  private readonly hooks: (() => void)[] = [];
  private watchdog: number | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    private readonly options: SpawnOptions = {},
  ) {
    installExitHandler();
    this.defaultStopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    if (options.logFile) this.log = createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.record(`[kcl-ts] cannot start ${command}: ${err.message}`);
        if (this.pid === -1) resolve((this.exitInfo = { code: -1, signal: null }));
      });
      child.once('exit', (code, signal) => resolve((this.exitInfo = { code, signal })));
    });
    this.pipe(child.stdout);
    this.pipe(child.stderr);
    if (this.pid > 0) {
      running.add(this);
      this.watchdog = startWatchdog(this.pid);
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  tail(lines: number): string {
    return this.lines.slice(-lines).join('\n');
  }

  beforeStop(hook: () => void): void {
    this.hooks.push(hook);
  }

  /** A signal to the leader alone (the daemon's graceful stop: it drives its children). */
  signal(signal: NodeJS.Signals): void {
    if (this.pid > 0 && this.running) {
      try {
        process.kill(this.pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  groupAlive(): boolean {
    if (this.pid <= 0) return false;
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** `signal` to the group, SIGKILL after the timeout; resolves once the group is gone. */
  async stop(options: StopOptions = {}): Promise<ExitInfo> {
    for (const hook of this.hooks.splice(0)) {
      try {
        hook();
      } catch {
        /* best effort */
      }
    }
    if (this.pid <= 0) return this.exited;
    this.signalGroup(options.signal ?? 'SIGTERM');
    const deadline = Date.now() + (options.timeoutMs ?? this.defaultStopTimeoutMs);
    while (this.groupAlive() && Date.now() < deadline) await sleep(50);
    if (this.groupAlive()) {
      this.signalGroup('SIGKILL');
      const hard = Date.now() + 5000;
      while (this.groupAlive() && Date.now() < hard) await sleep(20);
    }
    const info = await this.exited;
    this.forget();
    return info;
  }

  /** SIGKILL the group now (on the way out). */
  killSync(): void {
    this.signalGroup('SIGKILL');
    this.forget();
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      /* the group is gone */
    }
  }

  private forget(): void {
    running.delete(this);
    if (this.watchdog !== undefined) {
      try {
        process.kill(this.watchdog, 'SIGKILL');
      } catch {
        /* gone */
      }
      this.watchdog = undefined;
    }
    this.log?.end();
  }

  private record(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    this.log?.write(`${line}\n`);
    if (this.options.echo) process.stderr.write(`[${this.name}] ${line}\n`);
  }

  private pipe(stream: Readable | null): void {
    if (!stream) return;
    stream.setEncoding('utf8');
    let rest = '';
    stream.on('data', (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        this.record(rest.slice(0, nl).replace(/\r$/, ''));
        rest = rest.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (rest) this.record(rest);
      rest = '';
    });
  }
}

/**
 * Wait until `probe` answers (a server's first request), failing at once if the process
 * exits first; on any failure the process is stopped. `what` names it in errors.
 */
export async function untilReady(proc: StandInProcess, what: string, probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  try {
    await Promise.race([
      waitFor(
        what,
        async () => {
          await probe();
          return true;
        },
        timeoutMs,
        100,
      ),
      proc.exited.then((info) => {
        throw new Error(`${what} exited during start-up (${JSON.stringify(info)}):\n${proc.tail(30)}`);
      }),
    ]);
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

export const spawnLocal: Spawner<LocalProcess> = (name, command, args, options) => new LocalProcess(name, command, args, options);

/** Every group still running, SIGKILLed at once (a second Ctrl-C, a crash). */
export function killAllSync(): void {
  for (const p of [...running]) p.killSync();
}

let installed = false;
function installExitHandler(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllSync);
  process.on('uncaughtExceptionMonitor', killAllSync);
}

/**
 * A detached `sh` that SIGKILLs group `pgid` when this process is gone, and exits by
 * itself once the group is gone. Returns its pid.
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
