/**
 * What the properties checks report, and the one line each is printed as.
 */
import type { PropertyEntry } from './parse.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  line?: number;
  key?: string;
  message: string;
}

/**
 * How a check reports: the entry gives the line and the key; `key` names a key that is
 * absent (a missing required key has no line).
 */
export type Report = (severity: Severity, message: string, e?: PropertyEntry, key?: string) => void;

/** Format as `file:line: severity: [key] message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.file}:${d.line}` : d.file;
  const key = d.key !== undefined ? ` ${d.key}:` : '';
  return `${where}: ${d.severity}:${key} ${d.message}`;
}
