/**
 * The general parser of the daemon's lines: zod decides, and a line it cannot use is a
 * `ProtocolError` naming the action and the field. The stream reader loads this module
 * (and zod with it) only for a line the exact checks of `exact-parse.ts` leave open.
 */
import type { z } from 'zod';
import { ProtocolError } from './errors.js';
import { DAEMON_SCHEMAS, type DaemonMessage, type ParsedMessage } from './types.js';
import { isExactMessage } from './exact-parse.js';

// A Map, not the object: an action named "constructor" must not find Object's.
const SCHEMAS: ReadonlyMap<string, z.ZodType<DaemonMessage>> = new Map<string, z.ZodType<DaemonMessage>>(Object.entries(DAEMON_SCHEMAS));

const MAX_QUOTED = 80;

function quote(line: string): string {
  const shown = line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}… (${line.length} chars)` : line;
  return JSON.stringify(shown);
}

/** `records[3].sequenceNumber` from zod's `['records', 3, 'sequenceNumber']`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/**
 * One line from the daemon → one message. Returns `undefined` for blank lines (the
 * daemon never sends them, but they carry nothing to answer). Throws a
 * `ProtocolError` naming the action and the field for anything else it cannot use.
 */
export function parseLine(line: string): ParsedMessage | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ProtocolError(`line is not JSON (${(err as Error).message}): ${quote(line)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`line is JSON but not an object (${describe(value)}): ${quote(line)}`);
  }
  const action = (value as { action?: unknown }).action;
  if (action === undefined) throw new ProtocolError(`message has no "action" field: ${quote(line)}`);
  if (typeof action !== 'string') {
    throw new ProtocolError(`message field "action" must be a string, got ${describe(action)}: ${quote(line)}`);
  }
  // The hot path: a message exactly as the daemon writes it is checked without zod (for
  // a batch: no per-record result objects); anything else, valid or not, goes through
  // the schema. (The stream reader uses exact-parse.ts first and loads this module lazily.)
  if (isExactMessage(value)) return value;
  const schema = SCHEMAS.get(action);
  if (schema === undefined) return { action, unknown: true };
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined ? [] : issue.path;
  const got = valueAt(value, path);
  const field = fieldPath(path);
  const what = got === undefined ? 'is missing' : `has the wrong type or value (${describe(got)} ${truncate(got)})`;
  const detail = issue === undefined ? '' : `: ${issue.message}`;
  throw new ProtocolError(`${action}: field "${field}" ${what}${detail}`, action);
}

function truncate(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

