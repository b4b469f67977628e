/**
 * Checks a MultiLangDaemon properties file before the JVM sees it. The daemon itself
 * ignores unknown keys and turns malformed numbers into 0 and malformed booleans into
 * false without a word (commons-beanutils defaults), so most mistakes surface here or not
 * at all. This file reads the bytes; rules.ts holds the checks.
 */
import { readFileSync } from 'node:fs';
import type { Diagnostic } from './diagnostic.js';
import { parsePropertiesBuffer, PropertiesSyntaxError, type ParsedProperties } from './parse.js';
import { validateProperties, type ValidateOptions } from './rules.js';

export interface ValidationResult {
  file: string;
  parsed: ParsedProperties | undefined;
  diagnostics: Diagnostic[];
  /** No error-level diagnostics. */
  ok: boolean;
}

/** Read, parse and validate a properties file. */
export function validatePropertiesFile(file: string, opts: Omit<ValidateOptions, 'file'> = {}): ValidationResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { file, parsed: undefined, ok: false, diagnostics: [{ severity: 'error', file, message: `cannot read: ${msg}` }] };
  }
  const diagnostics: Diagnostic[] = [];
  let parsed: ParsedProperties;
  try {
    parsed = parsePropertiesBuffer(bytes);
  } catch (err) {
    if (err instanceof PropertiesSyntaxError) {
      diagnostics.push({ severity: 'error', file, line: err.line, message: err.message });
      return { file, parsed: undefined, diagnostics, ok: false };
    }
    throw err;
  }
  diagnostics.push(...nonAsciiLines(bytes, parsed, file));
  diagnostics.push(...validateProperties(parsed, { ...opts, file }));
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { file, parsed, diagnostics, ok: !diagnostics.some((d) => d.severity === 'error') };
}

/** Properties.load(InputStream) reads ISO-8859-1: UTF-8 text arrives mangled. */
function nonAsciiLines(bytes: Buffer, parsed: ParsedProperties, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lines = bytes.toString('latin1').split(/\r\n|\r|\n/);
  const entryLines = new Set<number>();
  for (const e of parsed.entries) for (let n = e.line; n <= e.endLine; n++) entryLines.add(n);
  lines.forEach((l, i) => {
    if (entryLines.has(i + 1) && /[^\x00-\x7f]/.test(l)) {
      out.push({
        severity: 'warning',
        file,
        line: i + 1,
        message:
          'non-ASCII characters: the daemon reads the file as ISO-8859-1 (UTF-8 text arrives mangled); write them as \\uXXXX escapes',
      });
    }
  });
  return out;
}
