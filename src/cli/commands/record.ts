import { spawn } from 'node:child_process';
import { mkdirSync, openSync, renameSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { formatEntry, type TranscriptDir } from '../../testing/transcript-format.js';
import { textLines } from '../../transport/line-framer.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

export const recordCommand: Command = {
  name: 'record',
  summary: 'run a child between the daemon and it, writing a transcript per shard lease',
  help: `Usage: kcl-ts record --out DIR [--comment TEXT] -- <command> [args…]

Use as the executableName (e.g. "executableName = npx kcl-ts record --out transcripts -- node dist/app.js").
Runs <command> as the real child, forwards the daemon's stdin to it and its stdout back
byte for byte (stderr passes through), and writes every line in both directions to
DIR/<shardId>-<pid>.jsonl: one JSON object per line, {"ms", "dir", "line"}, where dir is
"to_child", "from_child" or "event" (stdin closed, exit code): the transcript format that
kcl-ts/testing's replay() reads. Exits with the child's exit status.

Options:
  --out DIR        directory for the transcripts (created if missing; required)
  --comment TEXT   a first line {"comment": TEXT} in each transcript, e.g. the KCL version
  -h, --help       show this help
`,
  async run(argv, io) {
    const sep = argv.indexOf('--');
    const own = sep === -1 ? argv : argv.slice(0, sep);
    const child = sep === -1 ? [] : argv.slice(sep + 1);
    const parsed = parseCommandArgs(this, own, io, { out: { type: 'string' }, comment: { type: 'string' } });
    if (!parsed) return 0;
    const out = str(parsed.values['out']);
    if (out === undefined) throw new UsageError('missing --out DIR');
    if (child.length === 0) throw new UsageError('missing the child command after --');
    const dir = path.resolve(io.cwd, out);
    mkdirSync(dir, { recursive: true });
    const start = performance.now();
    const partial = path.join(dir, `.recording-${process.pid}.jsonl`);
    const fd = openSync(partial, 'w');
    let shardId: string | undefined;
    const comment = str(parsed.values['comment']);
    if (comment !== undefined) writeSync(fd, formatEntry({ comment }));
    const entry = (dir: TranscriptDir, line: string) => {
      writeSync(fd, formatEntry({ ms: Math.round(performance.now() - start), dir, line }));
    };
    const proc = spawn(child[0]!, child.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], env: io.env, cwd: io.cwd });
    // The lines are a copy on the side: the chunks are forwarded as they came. Only `\n`
    // ends a line here, so a recorded line holds every other byte that crossed the pipe.
    const toChild = textLines((line) => {
      if (shardId === undefined && line.includes('"initialize"')) {
        try {
          const m = JSON.parse(line) as { action?: string; shardId?: unknown };
          if (m.action === 'initialize' && typeof m.shardId === 'string') shardId = m.shardId;
        } catch {
          /* recorded as is */
        }
      }
      entry('to_child', line);
    }, 'lf');
    const fromChild = textLines((line) => entry('from_child', line), 'lf');
    process.stdin.on('data', (chunk: Buffer) => {
      toChild.push(chunk);
      proc.stdin.write(chunk);
    });
    process.stdin.on('end', () => {
      toChild.end();
      entry('event', 'stdin EOF');
      proc.stdin.end();
    });
    proc.stdin.on('error', () => undefined);
    proc.stdout.on('data', (chunk: Buffer) => {
      fromChild.push(chunk);
      process.stdout.write(chunk);
    });
    const code = await new Promise<number>((resolve, reject) => {
      proc.on('error', (err) => reject(new Error(`cannot start ${child[0]}: ${err.message}`)));
      proc.on('close', (status, signal) => {
        fromChild.end();
        entry('event', signal ? `child killed by ${signal}` : `child exit ${status}`);
        resolve(status ?? 1);
      });
    });
    closeSync(fd);
    const name = `${(shardId ?? 'unknown-shard').replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}.jsonl`;
    renameSync(partial, path.join(dir, name));
    process.stdin.destroy();
    return code;
  },
};
