/**
 * The folder rules hold: every folder under src/ says in its README.md what it owns and
 * what it must not import (the grammar is in rules.ts), and no source file under src/
 * imports anything its folder's rule forbids. A failure names the file and line, the
 * import, and the rule it breaks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from './imports.js';
import { breach, namedPaths, parseRule, ruleFor, RuleError, type FolderRule } from './rules.js';

const SRC = path.resolve(new URL('../../src', import.meta.url).pathname);

/** The folders with a README.md (src/ itself, each folder under it, and deeper ones that have one). */
function readRules(): FolderRule[] {
  const folders = ['', ...sourceDirs(SRC, '')];
  return folders.flatMap((folder) => {
    const readme = path.join(SRC, folder, 'README.md');
    if (!existsSync(readme)) return [];
    const text = readFileSync(readme, 'utf8');
    // A deeper README without the lines (prose only) leaves its folder to the one above.
    if (folder.includes('/') && !text.split('\n')[1]?.startsWith('Must not import:')) return [];
    return [parseRule(folder === '' ? 'src/README.md' : `src/${folder}/README.md`, folder, text)];
  });
}

function sourceDirs(dir: string, rel: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const sub = rel === '' ? d.name : `${rel}/${d.name}`;
      return [sub, ...sourceDirs(path.join(dir, d.name), sub)];
    });
}

const rel = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

describe('the import reader', () => {
  it('finds static, type, re-export, side-effect, dynamic and require imports, and none inside strings', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "export * from 'zod';",
      "import 'pino';",
      "const d = await import('../d/d.js');",
      "const e = require('node:fs');",
      "type F = typeof import('@scope/f/sub');",
      "import g = require('./g.cjs');",
      "const h = import(name);",
      "const template = `import { run } from 'kcl-ts';`;",
      "const quoted = \"import('../not/this.js')\";",
    ].join('\n');
    expect(importsOf('x.ts', text).map((s) => `${s.line}:${s.specifier}`)).toEqual([
      '1:./a.js',
      '2:../b/b.js',
      '3:./c.js',
      '4:zod',
      '5:pino',
      '6:../d/d.js',
      '7:node:fs',
      '8:@scope/f/sub',
      '9:./g.cjs',
      '10:<computed: name>',
    ]);
  });
});

describe('the rule grammar', () => {
  const rule = (line: string, folder = 'transport') => parseRule(`src/${folder}/README.md`, folder, `Owns: x\nMust not import: ${line}\n`);
  const check = (r: FolderRule, file: string, specifier: string) => breach(r, SRC, file, { specifier, line: 1 });

  it('an allow list: its own files and the listed ones, nothing else of ours', () => {
    const r = rule('anything of ours but `protocol/`, `option-checks.ts`; any package — because');
    expect(check(r, 'transport/reader.ts', './writer.js')).toBeUndefined();
    expect(check(r, 'transport/reader.ts', '../protocol/types.js')).toBeUndefined();
    expect(check(r, 'transport/reader.ts', '../option-checks.js')).toBeUndefined();
    expect(check(r, 'transport/reader.ts', 'node:stream')).toBeUndefined();
    expect(check(r, 'transport/reader.ts', '../engine/engine.js')).toBe(
      "src/transport/reader.ts:1 imports '../engine/engine.js' (src/engine/engine.ts), but src/transport/README.md says \"Must not import: anything of ours but `protocol/`, `option-checks.ts`; any package\"",
    );
    expect(check(r, 'transport/reader.ts', '../options.js')).toMatch(/src\/options\.ts\), but src\/transport\/README\.md/);
    expect(check(r, 'transport/reader.ts', 'pino')).toMatch(/the package pino\), but/);
    expect(check(r, 'transport/reader.ts', '../../test/helpers.js')).toMatch(/outside src\//);
    expect(check(r, 'transport/reader.ts', '<computed: name>')).toMatch(/computed specifier cannot be checked/);
  });

  it('a deny list with exceptions, and a package allow list', () => {
    const r = rule('`testing/` (but `testing/transcript-format.ts`), `hub/`; any package but `zod`', 'cli');
    expect(r.denySrc).toEqual([
      { path: 'testing/', except: ['testing/transcript-format.ts'] },
      { path: 'hub/', except: [] },
    ]);
    expect(check(r, 'cli/commands/record.ts', '../../testing/transcript-format.js')).toBeUndefined();
    expect(check(r, 'cli/commands/record.ts', '../../testing/fake-daemon.js')).toMatch(/src\/testing\/fake-daemon\.ts\), but src\/cli\/README\.md/);
    expect(check(r, 'cli/main.ts', '../hub/serve.js')).toMatch(/but src\/cli\/README\.md/);
    expect(check(r, 'cli/main.ts', '../engine/engine.js')).toBeUndefined();
    expect(check(r, 'cli/main.ts', 'zod/v4')).toBeUndefined();
    expect(check(r, 'cli/main.ts', '@aws-sdk/client-kinesis')).toMatch(/the package @aws-sdk\/client-kinesis\), but/);
  });

  it("src/README.md's own files are those directly in src/", () => {
    const r = rule('`testing/`', '');
    expect(check(r, 'run.ts', './options.js')).toBeUndefined();
    expect(check(r, 'run.ts', './engine/create.js')).toBeUndefined();
    expect(check(r, 'run.ts', './testing/index.js')).toMatch(/src\/testing\/index\.ts\), but/);
  });

  it('the nearest README above a file is its rule', () => {
    const rules = [rule('`testing/`', ''), rule('anything of ours', 'hub'), rule('anything of ours', 'hub/forwarder')];
    expect(ruleFor(rules, 'run.ts')?.folder).toBe('');
    expect(ruleFor(rules, 'hub/serve.ts')?.folder).toBe('hub');
    expect(ruleFor(rules, 'hub/forwarder/locate.ts')?.folder).toBe('hub/forwarder');
    expect(ruleFor(rules, 'hubs/x.ts')?.folder).toBe('');
  });

  it('refuses what it cannot read, naming the README', () => {
    expect(() => parseRule('src/x/README.md', 'x', '# x\nMust not import: `a/`')).toThrow(/src\/x\/README\.md: the first line must be "Owns: …"/);
    expect(() => parseRule('src/x/README.md', 'x', 'Owns: x\n\nMust not import: `a/`')).toThrow(/second line must be "Must not import: …"/);
    expect(() => rule('nothing of the engine')).toThrow(RuleError);
    expect(() => rule('`engine`')).toThrow(/`engine` is neither a folder/);
  });
});

describe('src/ keeps its folder rules', () => {
  it('every folder under src/ has a README.md opening with Owns: and Must not import:', () => {
    const rules = readRules();
    const top = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(top.length).toBeGreaterThan(10);
    const missing = top.filter((folder) => !rules.some((r) => r.folder === folder));
    expect(missing, 'folders without a README.md whose first lines are the rule').toEqual([]);
    expect(rules.some((r) => r.folder === '')).toBe(true);
  });

  it('every path a rule names exists', () => {
    const rules = readRules();
    const stale = rules.flatMap((r) => namedPaths(r).filter((p) => !existsSync(path.join(SRC, p))).map((p) => `${r.readme}: \`${p}\``));
    expect(stale).toEqual([]);
  });

  it('no source file imports what its rule forbids', () => {
    const rules = readRules();
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(80);
    const broken: string[] = [];
    let seen = 0;
    for (const file of files) {
      const name = rel(file);
      const rule = ruleFor(rules, name);
      if (rule === undefined) {
        broken.push(`src/${name}: no README.md above it states a rule`);
        continue;
      }
      for (const site of importsOf(file)) {
        seen++;
        const why = breach(rule, SRC, name, site);
        if (why !== undefined) broken.push(why);
      }
    }
    expect(seen).toBeGreaterThan(200);
    expect(broken).toEqual([]);
  });
});
