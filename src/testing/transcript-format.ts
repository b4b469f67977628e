/**
 * The transcript format (docs/testing.md) as it is written: one JSON object a line, in
 * the order things happened. Both writers go through `formatEntry`: `formatTranscript`
 * (entries with `message`) and `kcl-ts record` (entries with `ms` and the raw `line`).
 * A leaf module, so that `kcl-ts record`, which runs once per shard lease, loads nothing
 * else of the test kit.
 *
 *   {"comment":"…"}
 *   {"ms":18,"dir":"to_child","line":"{\"action\":\"initialize\",…}"}
 *   {"dir":"from_child","message":{"action":"status","responseFor":"initialize"}}
 */

/** `to_child`: the daemon's actions and checkpoint replies; `from_child`: the child's lines; `event`: what replay ignores. */
export type TranscriptDir = 'to_child' | 'from_child' | 'event';

export type TranscriptLine =
  /** A note on its own line (provenance, the KCL version). */
  | { readonly comment: string }
  /** A message as an object. */
  | { readonly ms?: number; readonly dir: Exclude<TranscriptDir, 'event'>; readonly message: object }
  /** A line as it crossed the pipe (recordings), or an event (`stdin EOF`, `child exit 0`). */
  | { readonly ms?: number; readonly dir: TranscriptDir; readonly line: string };

/** One entry, its line ending included; keys always in the order `ms`, `dir`, `message`/`line`. */
export function formatEntry(entry: TranscriptLine): string {
  if ('comment' in entry) return `${JSON.stringify({ comment: entry.comment })}\n`;
  const ms = entry.ms === undefined ? {} : { ms: entry.ms };
  const body = 'message' in entry ? { message: entry.message } : { line: entry.line };
  return `${JSON.stringify({ ...ms, dir: entry.dir, ...body })}\n`;
}
