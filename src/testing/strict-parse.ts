/**
 * How the Java daemon reads a line from the child, emulated: Jackson's default
 * `ObjectMapper` maps it to a known message class and fails on unknown properties;
 * the daemon then skips the line ("Skipping unexpected line") and keeps waiting. The
 * classes and their properties are the field table's child messages (`fields.ts`).
 */
import { CHILD_MESSAGES, type Fields, type WireType } from '../protocol/fields.js';
import type { ChildMessage } from '../protocol/types.js';

export type StrictParse = { kind: 'empty' } | { kind: 'message'; message: ChildMessage } | { kind: 'skipped'; reason: string };

const skipped = (reason: string): StrictParse => ({ kind: 'skipped', reason });

export function parseChildLine(line: string): StrictParse {
  if (line.trim() === '') return { kind: 'empty' };
  if (line.charCodeAt(0) === 0xfeff) return skipped('starts with a byte order mark');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return skipped('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return skipped('not a JSON object');
  const obj = value as { [key: string]: unknown };
  const { action } = obj;
  const fields: Fields | undefined = typeof action === 'string' && Object.hasOwn(CHILD_MESSAGES, action) ? CHILD_MESSAGES[action as keyof typeof CHILD_MESSAGES] : undefined;
  if (fields === undefined) return skipped(`unknown or missing action ${JSON.stringify(action)}`);
  for (const key of Object.keys(obj)) {
    if (key !== 'action' && !Object.hasOwn(fields, key)) return skipped(`unknown property "${key}" for action ${String(action)}`);
  }
  const message: { [key: string]: unknown } = { action };
  for (const [key, field] of Object.entries(fields)) {
    if (field.ignored) continue; // known, so not skipped, but it means nothing from the child
    const v = obj[key] ?? null; // Jackson reads a missing property as null
    if (v === null) {
      if (!field.nullable) return skipped(`${String(action)} without ${name(field.type)} ${key}`);
    } else if (!isJavaValue(field.type, v)) {
      return skipped(`${String(action)} ${key} is not ${name(field.type)}`);
    }
    message[key] = v;
  }
  return { kind: 'message', message: message as unknown as ChildMessage };
}

/**
 * Whether Jackson would map `v` to a property of this type. An integer is a Java long:
 * any whole number here (JSON.parse has already rounded those beyond 2^53, so no range
 * check could be exact).
 */
function isJavaValue(type: WireType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'records':
      return Array.isArray(v);
    default:
      return typeof v === 'string' && type.includes(v);
  }
}

function name(type: WireType): string {
  if (typeof type !== 'string') return `one of ${type.join(', ')}`;
  return type === 'integer' ? 'an integer' : type === 'records' ? 'records' : `a ${type}`;
}
