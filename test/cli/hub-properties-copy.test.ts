/**
 * The properties copy `kcl-ts run --hub` hands the daemon: the user's bytes plus an
 * appended executableName, which must win and must leave every other entry as the
 * daemon (java.util.Properties, mirrored by our parser) would read it from the original.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProperties, parsePropertiesBuffer } from '../../src/host/properties/parse.js';
import { escapePropertiesValue, overriddenProperties, writePropertiesCopy } from '../../src/hub/launch/properties-copy.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-props-copy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FORWARDER = '/opt/kcl-ts/dist/hub/forwarder/linux-x64/kcl-ts-forwarder /tmp/kcl-ts-hub-x/hub-1.sock /tmp/kcl-ts-hub-x/hub-2.sock';

/** Lines as people (and editors) leave them: continuations, odd and even backslashes, comments, blanks. */
const fragment = fc.constantFrom(
  'executableName = node dist/app.js',
  'streamName=s',
  'k:v',
  'key value with spaces  ',
  '# comment \\',
  '! bang',
  '',
  '   ',
  'regionName = us-\\',
  '   east-1',
  'path = C:\\\\dir\\\\',
  'odd = x\\',
  '\\',
  'u = \\u00e9',
  'executableName = npx tsx app.ts',
);
const terminator = fc.constantFrom('\n', '\r', '\r\n');
const original = fc
  .tuple(fc.array(fc.tuple(fragment, terminator), { maxLength: 8 }), fc.option(fragment, { nil: undefined }))
  .map(([lines, last]) => lines.map(([l, t]) => l + t).join('') + (last ?? ''));

describe('the properties copy', () => {
  it('keeps every entry of any file as it was and makes the appended executableName the value the daemon reads', () => {
    fc.assert(
      fc.property(original, (text) => {
        const before = parseProperties(text);
        const after = parsePropertiesBuffer(overriddenProperties(Buffer.from(text, 'latin1'), FORWARDER));
        expect(after.map.get('executableName')?.value).toBe(FORWARDER);
        // A file ending in a lone backslash holds an empty key with an empty value at EOF,
        // which the continuation onto the appended blank line drops: nobody reads that key.
        const kept = (entries: typeof before.entries) =>
          entries.filter((e) => e.key !== '' || e.value !== '').map((e) => ({ key: e.key, value: e.value, line: e.line }));
        expect(kept(after.entries.slice(0, -1))).toEqual(kept(before.entries));
        expect(after.entries.at(-1)?.key).toBe('executableName');
      }),
      { numRuns: 500 },
    );
  });

  it('escapes what ISO-8859-1 would mangle, so the daemon reads the path as written', () => {
    for (const value of ['/home/zoë/kcl-ts-forwarder /run/zoë/hub.sock', '/tmp/😀/f', ' lead', 'tab\there']) {
      const escaped = escapePropertiesValue(value);
      expect(escaped).toMatch(/^[\x20-\x7e]*$/);
      expect(parseProperties(`executableName = ${escaped}\n`).map.get('executableName')?.value).toBe(value);
    }
    expect(escapePropertiesValue('/home/zoë/f')).toBe('/home/zo\\u00eb/f');
  });

  it('is written beside the user\'s file, mode 0600, and leaves that file byte for byte as it was', () => {
    const dir = mkdtempSync(path.join(work, 'beside-'));
    const file = path.join(dir, 'app.properties');
    writeFileSync(file, 'executableName = node app.js\r\nstreamName = s');
    const before = readFileSync(file);
    const copy = writePropertiesCopy(file, FORWARDER, path.join(work, 'unused'));
    expect(path.dirname(copy.path)).toBe(dir);
    expect(path.basename(copy.path)).toBe(`.app.properties.kcl-ts-hub-${process.pid}.properties`);
    expect(statSync(copy.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(copy.path).subarray(0, before.length).equals(before)).toBe(true);
    expect(readFileSync(file).equals(before)).toBe(true);
    copy.remove();
    copy.remove();
    expect(readdirSync(dir)).toEqual(['app.properties']);
  });

  it('goes to the fallback directory when the user\'s directory cannot be written', () => {
    const dir = mkdtempSync(path.join(work, 'read-only-'));
    const file = path.join(dir, 'app.properties');
    writeFileSync(file, 'executableName = node app.js\n');
    chmodSync(file, 0o644);
    const fallback = mkdtempSync(path.join(work, 'fallback-'));
    let written: string;
    if (process.getuid?.() === 0) {
      // root writes anywhere: ask as nobody, for whom dir (root's, 0755) is read-only.
      chmodSync(work, 0o755);
      chmodSync(dir, 0o755);
      chownSync(fallback, 65534, 65534);
      const script = path.join(fallback, 'copy.mts');
      writeFileSync(
        script,
        `import { writePropertiesCopy } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/hub/launch/properties-copy.ts')).href)};\n` +
          `process.stdout.write(writePropertiesCopy(${JSON.stringify(file)}, ${JSON.stringify(FORWARDER)}, ${JSON.stringify(fallback)}).path);\n`,
      );
      const loader = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
      const r = spawnSync(process.execPath, ['--import', loader, script], { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: fallback, TMPDIR: fallback } });
      expect(r.stderr).toBe('');
      written = r.stdout;
    } else {
      chmodSync(dir, 0o555);
      written = writePropertiesCopy(file, FORWARDER, fallback).path;
      chmodSync(dir, 0o755);
    }
    expect(written).toBe(path.join(fallback, 'app.properties'));
    expect(parsePropertiesBuffer(readFileSync(written)).map.get('executableName')?.value).toBe(FORWARDER);
    expect(readdirSync(dir)).toEqual(['app.properties']);
  });

  it('names the file it cannot read', () => {
    const missing = path.join(work, 'nope.properties');
    expect(() => writePropertiesCopy(missing, FORWARDER, work)).toThrow(`${missing}: cannot read it`);
  });
});
