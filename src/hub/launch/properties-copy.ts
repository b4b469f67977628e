/**
 * The daemon's properties in hub mode: a temporary copy of the user's file whose
 * `executableName` is the forwarder. The user's file is only read.
 *
 * The copy is the user's bytes unchanged plus one appended entry: java.util.Properties
 * keeps the last value of a key, so the appended `executableName` wins, while every other
 * line keeps its number (the daemon's messages still point at the user's lines). Two
 * newlines come first: if the file ends in a line continued by a backslash, the first
 * newline is that continuation and the empty line after it ends the entry, so the
 * appended line can never become part of the user's last value.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface PropertiesCopy {
  readonly path: string;
  /** Deletes the copy (safe to call twice). */
  remove(): void;
}

/**
 * A `.properties` value: characters outside printable ASCII as `\uXXXX`. The daemon reads
 * the file as ISO-8859-1, so a path's UTF-8 bytes written raw would reach `exec` mangled.
 */
export function escapePropertiesValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f && ch !== '\\') {
      out += ch;
      continue;
    }
    if (ch === '\\') {
      out += '\\\\';
      continue;
    }
    // Outside the BMP: both UTF-16 halves, as Java's own writer does.
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  if (/^[ \t\f]/.test(out)) out = `\\${out}`;
  return out;
}

/** The user's file with `executableName` overridden (see the header). */
export function overriddenProperties(original: Buffer, executableName: string): Buffer {
  const added =
    '\n\n# Added by kcl-ts run --hub to this temporary copy: each lease runs the hub forwarder.\n' +
    `executableName = ${escapePropertiesValue(executableName)}\n`;
  return Buffer.concat([original, Buffer.from(added, 'latin1')]);
}

const WRITE_REFUSED = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Writes the copy beside the user's file (mode 0600: it may hold secrets), or in
 * `fallbackDir` when that directory cannot be written. Throws naming the file on any
 * other error.
 */
export function writePropertiesCopy(userFile: string, executableName: string, fallbackDir: string): PropertiesCopy {
  let original: Buffer;
  try {
    original = readFileSync(userFile);
  } catch (err) {
    throw new Error(`${userFile}: cannot read it: ${(err as Error).message}`);
  }
  const bytes = overriddenProperties(original, executableName);
  const name = `.${path.basename(userFile)}.kcl-ts-hub-${process.pid}.properties`;
  const besideUser = path.join(path.dirname(userFile), name);
  let target = besideUser;
  let fd: number;
  try {
    fd = openSync(besideUser, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!WRITE_REFUSED.has(code)) throw new Error(`cannot write the properties copy ${besideUser}: ${(err as Error).message}`);
    target = path.join(fallbackDir, path.basename(userFile));
    fd = openSync(target, 'wx', 0o600);
  }
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    rmSync(target, { force: true });
  };
  try {
    writeSync(fd, bytes);
  } catch (err) {
    closeSync(fd);
    remove();
    throw new Error(`cannot write the properties copy ${target}: ${(err as Error).message}`);
  }
  closeSync(fd);
  return { path: target, remove };
}
