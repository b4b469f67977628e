import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anchors, deadLinks, links, slug } from './links.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

/** The Markdown a user or contributor reads: the README, CONTRIBUTING.md and everything under docs/. */
function projectDocs(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir)).flatMap((name) => {
      const rel = path.join(dir, name);
      if (statSync(path.join(ROOT, rel)).isDirectory()) return docs(rel);
      return name.endsWith('.md') ? [rel] : [];
    });
  return ['README.md', 'CONTRIBUTING.md', ...docs('docs')];
}

describe("the project's docs", () => {
  it('have no dead relative link or anchor', () => {
    const files = projectDocs();
    expect(files).toEqual(expect.arrayContaining(['docs/api.md', 'docs/reliability.md']));
    expect(deadLinks(ROOT, files)).toEqual([]);
  });

  it('link across files, so the check above checks something', () => {
    const relative = projectDocs().flatMap((f) => links(readText(f)).filter((l) => !/^[a-z]+:/i.test(l.target)));
    expect(relative.filter((l) => l.target.includes('#')).length).toBeGreaterThan(10);
    expect(relative.length).toBeGreaterThan(30);
  });

  it('keep the README a guide read in ten minutes (at most 15,000 bytes; the reference is in docs/)', () => {
    expect(statSync(path.join(ROOT, 'README.md')).size).toBeLessThanOrEqual(15_000);
  });
});

function readText(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

describe('slug (GitHub heading anchors)', () => {
  it.each([
    ['Quick start', 'quick-start'],
    ['`kcl-ts run`', 'kcl-ts-run'],
    ['Testing your processor (`kcl-ts/testing`)', 'testing-your-processor-kcl-tstesting'],
    ['Coming from aws-kcl or amazon_kclpy', 'coming-from-aws-kcl-or-amazon_kclpy'],
    ['Start-up, checkpoints and idle children', 'start-up-checkpoints-and-idle-children'],
    ['aws-kcl processors, unchanged: `kcl-ts/compat`', 'aws-kcl-processors-unchanged-kcl-tscompat'],
    ['**Bold** and [a link](x.md)', 'bold-and-a-link'],
    ['Ünïcode – dash', 'ünïcode--dash'],
  ])('%s → #%s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });

  it('numbers repeated headings as GitHub does, and ignores headings in code blocks', () => {
    const found = anchors('# Notes\n\n## Notes\n\n```md\n# Not a heading\n```\n\nSetext\n------\n\n<a id="custom"></a>\n');
    expect([...found].sort()).toEqual(['custom', 'notes', 'notes-1', 'setext']);
  });
});

describe('deadLinks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(path.join(dir, 'docs', 'guide.md'), '# Guide\n\n## `kcl-ts run`\n\nText.\n');
  writeFileSync(path.join(dir, 'code.ts'), 'export {};\n');

  function check(markdown: string): { line: number; target: string; reason: string }[] {
    writeFileSync(path.join(dir, 'README.md'), markdown);
    return deadLinks(dir, ['README.md']).map(({ line, target, reason }) => ({ line, target, reason }));
  }

  it('accepts links to files, directories, headings and code lines that exist', () => {
    expect(
      check(
        [
          '# Top',
          '[guide](docs/guide.md), [its section](docs/guide.md#kcl-ts-run), [folder](docs/), [up here](#top)',
          '![a picture](code.ts) <img src="docs/guide.md"> [line](code.ts#L1) [escaped](docs%2Fguide.md)',
          '[ref]: docs/guide.md#guide',
          '[web](https://example.com/nope) [mail](mailto:a@b.c)',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('reports a missing file, a missing heading and a link out of the repository, with their lines', () => {
    expect(check('# Top\n\n[gone](docs/gone.md)\n[bad anchor](docs/guide.md#kcl-ts-stop)\n[same file](#bottom)\n[outside](../elsewhere.md)\n')).toEqual([
      { line: 3, target: 'docs/gone.md', reason: 'no such file' },
      { line: 4, target: 'docs/guide.md#kcl-ts-stop', reason: 'no heading #kcl-ts-stop' },
      { line: 5, target: '#bottom', reason: 'no heading #bottom' },
      { line: 6, target: '../elsewhere.md', reason: 'leaves the repository' },
    ]);
  });

  it('reports a reference definition and an image that point nowhere', () => {
    expect(check('![chart](bench/chart.svg)\n\n[ref]: docs/missing.md\n')).toEqual([
      { line: 1, target: 'bench/chart.svg', reason: 'no such file' },
      { line: 3, target: 'docs/missing.md', reason: 'no such file' },
    ]);
  });

  it('ignores link syntax inside code spans and fenced code', () => {
    expect(check('Write `[text](missing.md)` or ``[x](`gone`.md)``.\n\n```md\n[in a fence](missing.md)\n```\n')).toEqual([]);
  });
});
