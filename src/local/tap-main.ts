/**
 * The tap `kcl-ts dev` puts in front of the user's processor: the daemon runs
 *   node <this file> --events DIR -- <the user's executableName…>
 * which runs the real child, forwards the daemon's stdin to it and its stdout back byte
 * for byte (stderr passes through), and writes what it saw as events (tap-events.ts) to
 * DIR/<pid>.jsonl. So `kcl-ts dev` sees every record consumed without any change to the
 * processor. Not a kcl-ts command of its own: only `kcl-ts dev` starts it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { TapObserver, type TapEvent } from './tap-events.js';

/** Splits a byte stream into lines on the side; the chunks themselves are forwarded untouched. */
class LineSplitter {
  private chunks: Buffer[] = [];
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer): void {
    let start = 0;
    let nl: number;
    // A processRecords line can be 13 MB in ~200 chunks: join them once, at its end.
    while ((nl = chunk.indexOf(10, start)) !== -1) {
      this.chunks.push(chunk.subarray(start, nl));
      this.onLine(Buffer.concat(this.chunks).toString('utf8'));
      this.chunks = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.chunks.push(chunk.subarray(start));
  }
  end(): void {
    if (this.chunks.length > 0) this.onLine(Buffer.concat(this.chunks).toString('utf8'));
    this.chunks = [];
  }
}

function fail(message: string): never {
  process.stderr.write(`kcl-ts dev (tap): ${message}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (argv[0] !== '--events' || argv[1] === undefined || sep !== 2 || argv.length < 4) {
  fail('usage: tap-main --events DIR -- <command> [args…] (started by kcl-ts dev, not by hand)');
}
const command = argv.slice(3);
const fd = openSync(path.join(argv[1], `${process.pid}.jsonl`), 'a');
// One write per event: a reader never sees half of one once the newline is there.
const observer = new TapObserver((event: TapEvent) => void writeSync(fd, `${JSON.stringify(event)}\n`));

// The daemon drives the shutdown: like the kcl-ts child behind it, the tap keeps
// forwarding until its stdin closes, whatever stop signal reaches the group.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);

const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
const toChild = new LineSplitter((line) => observer.fromDaemon(line));
const fromChild = new LineSplitter((line) => observer.fromChild(line));

process.stdin.on('data', (chunk: Buffer) => {
  child.stdin.write(chunk);
  toChild.push(chunk);
});
process.stdin.on('end', () => {
  toChild.end();
  child.stdin.end();
});
child.stdin.on('error', () => undefined);
process.stdout.on('error', () => undefined);
child.stdout.on('data', (chunk: Buffer) => {
  // The tap is the daemon's child: its stdout is the protocol channel, carrying the real child's bytes unchanged.
  process.stdout.write(chunk);
  fromChild.push(chunk);
});
child.on('error', (err) => fail(`cannot start ${command[0]}: ${err.message}`));
child.on('close', (code, signal) => {
  fromChild.end();
  observer.exited(code, signal);
  closeSync(fd);
  process.stdin.destroy();
  process.exitCode = code ?? 1;
});
