/**
 * A daemon for tests, as strict as the Java MultiLangDaemon: it writes one action,
 * then reads the child's stdout until a `status`; lines Jackson could not map are
 * skipped (and recorded), a `status` for another action is a failure, a child that
 * closes stdout or exits while the daemon waits is a failure, and every wait has a
 * deadline (the daemon's `timeoutInSeconds`). Checkpoints are answered the way the
 * KCL does: accepted between the last checkpoint and the largest record delivered,
 * `IllegalArgumentException` outside it, `InvalidStateException` where no
 * checkpointer exists (initialize, leaseLost): `checkpoint-rules.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { PassThrough } from 'node:stream';
import pinoModule from 'pino';
import { ExitFrameReader } from '../hub/exit-frame.js';
import { run } from '../run.js';
import type { RunOptions } from '../options.js';
import type { RecordProcessor } from '../processor.js';
import type { CheckpointRequest, ChildMessage } from '../protocol/types.js';
import { CheckpointRules } from './checkpoint-rules.js';
import { LineQueue } from './line-queue.js';
import { parseChildLine } from './strict-parse.js';

/** What the fake daemon decides for a checkpoint: an error code, `null` for success, `undefined` for "as the KCL would". */
export type CheckpointAnswer = string | null | undefined;
export type CheckpointHandler = (request: CheckpointRequest, state: DaemonState) => CheckpointAnswer | Promise<CheckpointAnswer>;

export interface DaemonState {
  readonly currentAction: string | undefined;
  /** The last checkpoint the daemon accepted (or the initialize position). */
  readonly lastCheckpoint: { sequenceNumber: string; subSequenceNumber: number } | null;
  /** The largest record delivered so far. */
  readonly largestDelivered: { sequenceNumber: string; subSequenceNumber: number } | null;
}

export interface FakeDaemonOptions {
  /** Deadline for each wait on the child, ms (the daemon's `timeoutInSeconds`). Default 10,000. */
  readonly timeoutMs?: number;
  /** Overrides the KCL-like checkpoint answers. */
  readonly onCheckpoint?: CheckpointHandler;
}

export interface Exchange {
  /** The action the daemon sent. */
  readonly action: { readonly action: string; readonly [key: string]: unknown };
  /** The child's messages while the daemon waited, in order, the status last. */
  readonly messages: ChildMessage[];
  /** The checkpoint replies the daemon wrote, in order. */
  readonly replies: { action: 'checkpoint'; sequenceNumber: string | null; subSequenceNumber: number | null; error: string | null }[];
  /** Lines the daemon skipped, with the reason. */
  readonly skipped: { line: string; reason: string }[];
}

export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  /** The exchange as far as it got. */
  exchange: Exchange | undefined;
}

export interface ChildEnd {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderr: string;
}

interface ChildHandle {
  pid: number | undefined;
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  ended: Promise<ChildEnd>;
  stderr: () => string;
  kill: () => void;
}

export class FakeDaemon {
  readonly lines: LineQueue;
  private readonly timeoutMs: number;
  /** The KCL's checkpoint rules, and the state they judge by. */
  private readonly rules = new CheckpointRules();
  /** Answers queued for the next checkpoints, before `onCheckpoint` and the default. */
  readonly queuedAnswers: CheckpointAnswer[] = [];

  private constructor(
    private readonly child: ChildHandle,
    private readonly options: FakeDaemonOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.lines = new LineQueue(child.stdout as NodeJS.ReadableStream & import('node:stream').Readable);
  }

  /** Spawns a child command (no shell, like the daemon's `executableName`). */
  static spawn(command: string, args: readonly string[] = [], options: FakeDaemonOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {}): FakeDaemon {
    const proc: ChildProcess = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => (stderr += chunk));
    const ended = new Promise<ChildEnd>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('close', (code, signal) => resolve({ exitCode: code, signal, stderr }));
    });
    proc.stdin!.on('error', () => undefined); // a child that died is reported by the waits, not by EPIPE
    return new FakeDaemon(
      { pid: proc.pid, stdin: proc.stdin!, stdout: proc.stdout!, ended, stderr: () => stderr, kill: () => proc.kill('SIGKILL') },
      options,
    );
  }

  /**
   * One lease session over a hub's Unix socket (`KCL_TS_HUB_SOCKET`), as the daemon
   * reaches the hub through a forwarder: `exitCode` is what that forwarder would exit with.
   */
  static connect(socketPath: string, options: FakeDaemonOptions = {}): FakeDaemon {
    const socket = createConnection({ path: socketPath, allowHalfOpen: true });
    const stdout = new PassThrough();
    let exitCode = 0;
    const frames = new ExitFrameReader(
      (bytes) => stdout.write(bytes),
      (status) => (exitCode = status),
    );
    socket.on('data', (chunk: Buffer) => frames.push(chunk));
    const ended = new Promise<ChildEnd>((resolve, reject) => {
      let connected = false;
      socket.once('connect', () => (connected = true));
      socket.on('error', (err) => {
        if (!connected) reject(err);
      });
      // The forwarder exits on the hub's EOF (or its exit frame), whatever its own side still does.
      const done = () => {
        frames.end();
        stdout.end();
        socket.end();
        resolve({ exitCode, signal: null, stderr: '' });
      };
      socket.on('end', done);
      socket.on('close', done);
    });
    return new FakeDaemon({ pid: undefined, stdin: socket, stdout, ended, stderr: () => '', kill: () => socket.destroy() }, options);
  }

  /** Runs a processor in this process, over in-memory pipes, through the real `run()`. */
  static inProcess(processor: RecordProcessor, runOptions: RunOptions = {}, options: FakeDaemonOptions = {}): FakeDaemon {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let errorText = '';
    const logger = runOptions.logger ?? pinoModule({ level: 'silent' });
    const ended = run(processor, { ...runOptions, logger, input: stdin, output: stdout }).then(
      () => ({ exitCode: 0, signal: null, stderr: '' }),
      (err: unknown) => {
        errorText = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        return { exitCode: 1, signal: null, stderr: errorText };
      },
    );
    void ended.then(() => stdout.end());
    return new FakeDaemon({ pid: undefined, stdin, stdout, ended, stderr: () => errorText, kill: () => stdin.destroy() }, options);
  }

  get daemonState(): DaemonState {
    return this.rules.state;
  }

  /** Sends one action and waits for its status, answering checkpoints on the way. */
  async send(action: { readonly action: string; readonly [key: string]: unknown }): Promise<Exchange> {
    this.rules.sent(action);
    const exchange: Exchange = { action, messages: [], replies: [], skipped: [] };
    this.write(JSON.stringify(action));
    try {
      return await this.collect(action, exchange);
    } catch (err) {
      if (err instanceof DaemonError) err.exchange = exchange;
      throw err;
    }
  }

  private async collect(action: { readonly action: string }, exchange: Exchange): Promise<Exchange> {
    for (;;) {
      const line = await this.lines.next(this.timeoutMs, () =>
        new DaemonError(
          `timed out after ${this.timeoutMs} ms waiting for the status for ${action.action}` +
            (exchange.skipped.length > 0 ? `; skipped lines: ${exchange.skipped.map((s) => `${s.reason}: ${s.line}`).join(' | ')}` : ''),
        ),
      );
      if (line === undefined) {
        const end = await this.child.ended;
        throw new DaemonError(
          `the child closed stdout while the daemon waited for the status for ${action.action} ` +
            `(exit code ${String(end.exitCode)}${end.signal ? `, signal ${end.signal}` : ''}); stderr: ${end.stderr.trim().slice(-500)}`,
        );
      }
      const parsed = parseChildLine(line);
      if (parsed.kind === 'empty') continue;
      if (parsed.kind === 'skipped') {
        exchange.skipped.push({ line, reason: parsed.reason });
        continue;
      }
      const message = parsed.message;
      exchange.messages.push(message);
      if (message.action === 'status') {
        if (message.responseFor !== action.action) {
          throw new DaemonError(`the child answered status for "${message.responseFor}" to action "${action.action}"`);
        }
        this.rules.answered();
        return exchange;
      }
      const error = await this.answer(message);
      const reply = { action: 'checkpoint' as const, sequenceNumber: message.sequenceNumber, subSequenceNumber: message.subSequenceNumber, error };
      exchange.replies.push(reply);
      this.write(JSON.stringify(reply));
    }
  }

  /** Writes a raw line to the child (for bad-input tests). */
  writeRaw(line: string): void {
    this.child.stdin.write(line);
  }

  /** Closes the child's stdin, as the daemon does after the lease ends, and waits for it to exit. */
  async close(): Promise<ChildEnd> {
    this.child.stdin.end();
    return this.exited();
  }

  /** Waits for the child to exit, up to the deadline (then kills it and fails). */
  async exited(): Promise<ChildEnd> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill();
        reject(new DaemonError(`the child did not exit within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([this.child.ended, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.child.kill();
  }

  /** The child's process id (undefined in-process). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.child.stderr();
  }

  private write(json: string): void {
    this.child.stdin.write(`${json}\n`);
  }

  private async answer(request: CheckpointRequest): Promise<string | null> {
    let answer: CheckpointAnswer = this.queuedAnswers.length > 0 ? this.queuedAnswers.shift() : undefined;
    if (answer === undefined && this.options.onCheckpoint) answer = await this.options.onCheckpoint(request, this.daemonState);
    if (answer === undefined) answer = this.rules.judge(request);
    if (answer === null) this.rules.accept(request);
    return answer;
  }
}
