/**
 * The daemon side of the benchmark: as strict as the Java MultiLangDaemon (and as the
 * project's FakeDaemon, whose line framing, line parser and checkpoint rules it reuses):
 * every child line goes through `parseChildLine` (Jackson's rules: unknown key, BOM or
 * unknown action → skipped), a wrong `responseFor` or a closed stdout is fatal, and
 * checkpoints are answered by the KCL's rules (`CheckpointRules`: between the last
 * checkpoint and the largest record delivered; no checkpointer during
 * initialize/leaseLost). Unlike FakeDaemon.send it takes the action already serialized,
 * so the clock never includes the driver's JSON.stringify.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
// Through the package's public entry (its exports map resolves it to dist/ inside this repository).
import { CheckpointRules, LineQueue, parseChildLine } from 'kcl-ts/testing';

export class BenchDaemon {
  constructor(command, args, { env = {}, cwd, timeoutMs = 120_000 } = {}) {
    this.t0 = process.hrtime.bigint();
    this.proc = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    this.timeoutMs = timeoutMs;
    this.stderr = '';
    this.lines = new LineQueue(this.proc.stdout);
    this.rules = new CheckpointRules();
    this.checkpoints = 0;
    this.skipped = [];
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (c) => (this.stderr += c));
    this.proc.stdin.on('error', () => undefined);
    this.ended = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve({ code, signal })));
    // A child that cannot start closes its stdout too, which ends the waits.
    this.proc.on('error', (err) => (this.stderr += String(err)));
  }

  nextLine() {
    return this.lines.next(this.timeoutMs, () => new Error(`timed out after ${this.timeoutMs} ms waiting for the status for ${this.rules.state.currentAction}; stderr: ${this.stderr.slice(-400)}`));
  }

  /**
   * Writes one serialized action (a Buffer or string ending in \n) and reads until its
   * status, answering checkpoints. `lastRecord` is the batch's last record position.
   * Resolves with the round trip in ms.
   */
  async send(action, line, lastRecord = null) {
    this.rules.sent({ action });
    if (lastRecord !== null) this.rules.delivered(lastRecord);
    const t0 = process.hrtime.bigint();
    this.proc.stdin.write(line);
    for (;;) {
      const text = await this.nextLine();
      if (text === undefined) {
        const end = await this.ended;
        throw new Error(`the child closed stdout while the daemon waited for the status for ${action} (exit ${end.code}, signal ${end.signal}); stderr: ${this.stderr.slice(-600)}`);
      }
      const parsed = parseChildLine(text);
      if (parsed.kind === 'empty') continue;
      if (parsed.kind === 'skipped') {
        this.skipped.push(parsed.reason);
        continue;
      }
      const m = parsed.message;
      if (m.action === 'status') {
        if (m.responseFor !== action) throw new Error(`the child answered status for "${m.responseFor}" to action "${action}"`);
        this.rules.answered();
        return Number(process.hrtime.bigint() - t0) / 1e6;
      }
      this.checkpoints++;
      const error = this.rules.judge(m);
      if (error === null) this.rules.accept(m);
      this.proc.stdin.write(`${JSON.stringify({ action: 'checkpoint', sequenceNumber: m.sequenceNumber, subSequenceNumber: m.subSequenceNumber, error })}\n`);
    }
  }

  initialize(shardId = 'shardId-000000000000') {
    return this.send('initialize', `${JSON.stringify({ action: 'initialize', shardId, sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: null })}\n`);
  }

  /** Ends the lease (leaseLost), closes stdin and waits for the exit (kills after 10 s). */
  async finish() {
    await this.send('leaseLost', '{"action":"leaseLost"}\n');
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    const end = await this.ended;
    clearTimeout(timer);
    return end;
  }

  kill() {
    this.proc.kill('SIGKILL');
  }

  /** user+sys CPU seconds of the child (Linux /proc). */
  cpuSeconds() {
    return cpuSeconds(this.pid);
  }

  /** { rss, hwm } in bytes. */
  memory() {
    return memory(this.pid);
  }
}

const TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14, 15)
}

export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
