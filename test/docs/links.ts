/**
 * A checker for the relative links of the project's Markdown: every link to a file must
 * reach one inside the repository, and every `#anchor` a heading of its target, as
 * GitHub renders them. Docs are split across files, so a heading renamed in one breaks
 * links in others without anyone seeing it; this finds them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface DeadLink {
  /** The file the link is in, relative to the root. */
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** The lines of `markdown` with fenced code blocks blanked (kept as lines, so numbers still match). */
function proseLines(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  let fence: string | undefined;
  return lines.map((line) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === undefined) {
      if (opening) {
        fence = opening[1]!;
        return '';
      }
      return line;
    }
    if (opening && opening[1]![0] === fence[0] && opening[1]!.length >= fence.length && line.trim() === opening[1]) fence = undefined;
    return '';
  });
}

/** A line with its code spans blanked: they show link syntax rather than make links. */
function withoutCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      out += line[i++];
      continue;
    }
    let n = 0;
    while (line[i + n] === '`') n++;
    // A span closes at the next run of exactly as many backticks; without one, they are text.
    const run = '`'.repeat(n);
    let close = -1;
    for (let j = line.indexOf(run, i + n); j !== -1; j = line.indexOf(run, j + 1)) {
      if (line[j - 1] !== '`' && line[j + n] !== '`') {
        close = j;
        break;
      }
    }
    if (close === -1) {
      out += run;
      i += n;
    } else {
      out += ' '.repeat(close + n - i);
      i = close + n;
    }
  }
  return out;
}

/** GitHub's anchor for a heading's text (as github-slugger makes it, before de-duplication). */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/`/g, '')
    .replace(/\*+/g, '')
    .replace(/<[^>]+>/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats numbered as GitHub does) and HTML ids. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const add = (base: string): void => {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  };
  const lines = proseLines(markdown);
  lines.forEach((line, i) => {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) add(slug(atx[1]!));
    else if (/^\s{0,3}(=+|-+)\s*$/.test(line) && i > 0 && lines[i - 1]!.trim() !== '' && !/^\s*([-*+]|\d+\.)\s|^\s*\|/.test(lines[i - 1]!)) {
      add(slug(lines[i - 1]!)); // a setext heading: the text line above its underline
    }
    for (const m of line.matchAll(/\b(?:id|name)="([^"]+)"/g)) found.add(m[1]!);
  });
  return found;
}

/** The link targets in `markdown` with their line numbers: inline links and images, reference definitions, HTML href/src. */
export function links(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  proseLines(markdown).forEach((raw, i) => {
    const line = withoutCode(raw);
    for (const m of line.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
      out.push({ target: m[1]!.replace(/^<|>$/g, ''), line: i + 1 });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (definition) out.push({ target: definition[1]!, line: i + 1 });
    for (const m of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The dead relative links and anchors in `files` (paths relative to `root`). */
export function deadLinks(root: string, files: readonly string[]): DeadLink[] {
  const dead: DeadLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> => {
    let set = anchorsOf.get(file);
    if (set === undefined) anchorsOf.set(file, (set = anchors(readFileSync(file, 'utf8'))));
    return set;
  };
  for (const file of files) {
    const source = path.join(root, file);
    for (const { target, line } of links(readFileSync(source, 'utf8'))) {
      if (SCHEME.test(target) || target.startsWith('//')) continue; // not relative: not ours to check
      const report = (reason: string): void => void dead.push({ file, line, target, reason });
      const hash = target.indexOf('#');
      const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved = pathPart === '' ? source : pathPart.startsWith('/') ? path.join(root, pathPart) : path.resolve(path.dirname(source), pathPart);
      const inside = path.relative(root, resolved);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        report('leaves the repository');
        continue;
      }
      if (!existsSync(resolved)) {
        report('no such file');
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(resolved).isDirectory()) report('an anchor into a directory');
      else if (/\.md$/i.test(resolved)) {
        if (!anchorsIn(resolved).has(anchor)) report(`no heading #${anchor}`);
      } else if (!/^L\d+(-L\d+)?$/.test(anchor)) report(`#${anchor} is not a line anchor`);
    }
  }
  return dead;
}
