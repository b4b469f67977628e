/**
 * Test helpers for processors: replay transcripts in-process, or drive a real child
 * command with a fake daemon as strict as the Java one.
 */
export { FakeDaemon, DaemonError, type CheckpointAnswer, type CheckpointHandler, type DaemonState, type Exchange, type FakeDaemonOptions, type ChildEnd } from './fake-daemon.js';
export { replay, type ReplayResult, type ReplayTarget, type ReplayOptions } from './replay.js';
export { parseTranscript, loadTranscript, formatTranscript, TranscriptError, type TranscriptEntry, type DaemonSide } from './transcript.js';
export { parseChildLine, type StrictParse } from './strict-parse.js';
export { makeRecord, makeBatch, type RecordSpec } from './builders.js';
// For a daemon of one's own (the benchmark's): the fake daemon's line framing and checkpoint rules.
export { LineQueue } from './line-queue.js';
export { CheckpointRules, type CheckpointState, type CheckpointAsked } from './checkpoint-rules.js';
