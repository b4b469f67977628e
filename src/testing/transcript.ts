/**
 * Transcripts: JSONL, one entry a line, in the order things happened.
 *
 *   {"dir":"to_child","message":{"action":"initialize","shardId":"shardId-0",...}}
 *   {"dir":"from_child","message":{"action":"status","responseFor":"initialize"}}
 *
 * `dir` is `to_child` (the daemon's actions and checkpoint replies), `from_child` (what
 * the child is expected to write) or `event` (ignored: stdin closed, exit codes). An
 * entry carries either `message` (the JSON object) or `line` (the raw text as it went
 * over the pipe, as `kcl-ts record` and the recordings in the repo write it). `ms` and
 * `comment` are ignored; a `{"comment": "..."}` line on its own is allowed anywhere.
 * Written by `formatEntry` (transcript-format.ts), here and in `kcl-ts record`.
 */
import { readFile } from 'node:fs/promises';
import type { ChildMessage } from '../protocol/types.js';
import { parseChildLine } from './strict-parse.js';
import { formatEntry } from './transcript-format.js';

export type DaemonSide = { readonly action: string; readonly [key: string]: unknown };

export type TranscriptEntry =
  | { readonly dir: 'to_child'; readonly message: DaemonSide }
  | { readonly dir: 'from_child'; readonly message: ChildMessage };

export class TranscriptError extends Error {
  override readonly name = 'TranscriptError';
}

export function parseTranscript(text: string, source = 'transcript'): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const where = `${source}:${i + 1}`;
    let entry: { dir?: unknown; message?: unknown; line?: unknown; comment?: unknown };
    try {
      entry = JSON.parse(raw) as typeof entry;
    } catch (err) {
      throw new TranscriptError(`${where}: not JSON (${(err as Error).message})`);
    }
    if (entry === null || typeof entry !== 'object') throw new TranscriptError(`${where}: an entry must be a JSON object`);
    if (entry.dir === undefined && entry.comment !== undefined) continue;
    if (entry.dir === 'event') continue;
    if (entry.dir !== 'to_child' && entry.dir !== 'from_child') {
      throw new TranscriptError(`${where}: "dir" must be "to_child", "from_child" or "event", got ${JSON.stringify(entry.dir)}`);
    }
    let message: unknown = entry.message;
    if (message === undefined) {
      if (typeof entry.line !== 'string') throw new TranscriptError(`${where}: an entry needs "message" (an object) or "line" (a string)`);
      if (entry.line.trim() === '') continue; // the framing's empty lines
      try {
        message = JSON.parse(entry.line);
      } catch (err) {
        throw new TranscriptError(`${where}: "line" is not JSON (${(err as Error).message})`);
      }
    }
    if (message === null || typeof message !== 'object' || typeof (message as { action?: unknown }).action !== 'string') {
      throw new TranscriptError(`${where}: the message must be an object with a string "action"`);
    }
    if (entry.dir === 'to_child') {
      entries.push({ dir: 'to_child', message: message as DaemonSide });
    } else {
      const parsed = parseChildLine(JSON.stringify(message));
      if (parsed.kind !== 'message') throw new TranscriptError(`${where}: not a message the daemon would accept (${parsed.kind === 'skipped' ? parsed.reason : 'empty'})`);
      entries.push({ dir: 'from_child', message: parsed.message });
    }
  }
  return entries;
}

export async function loadTranscript(path: string): Promise<TranscriptEntry[]> {
  return parseTranscript(await readFile(path, 'utf8'), path);
}

export function formatTranscript(entries: readonly TranscriptEntry[]): string {
  // (no entries: one empty line, as before the writer was shared)
  return entries.map((e) => formatEntry({ dir: e.dir, message: e.message })).join('') || '\n';
}
