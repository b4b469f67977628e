/**
 * The folder rules: each folder's README.md under src/ opens with two lines,
 *
 *   Owns: <what the folder is for>
 *   Must not import: <clauses> — <why, free prose>
 *
 * and this module reads the second one. Clauses are separated by `;`, every path or
 * package stands in backticks, and a path is relative to src/ (a folder ends in `/`):
 *
 *   anything of ours but `protocol/`, `option-checks.ts`   only these (and its own files)
 *   anything of ours                                      nothing outside its own files
 *   `testing/` (but `testing/transcript-format.ts`)       not these (but the exceptions)
 *   any package but `zod`                                 no npm package but these
 *   any package                                           no npm package at all
 *
 * Node's built-ins are always allowed. A folder's own files are the ones below it (for
 * src/README.md, the files directly in src/: each folder under it has its own rule).
 * A file answers to the nearest README above it that has the lines.
 */
import { builtinModules } from 'node:module';
import { packageName, resolveInSrc, type ImportSite } from './imports.js';

export interface FolderRule {
  /** The folder, relative to src/ (`''` for src/ itself, `hub/forwarder`). */
  readonly folder: string;
  readonly readme: string;
  /** The `Must not import:` line as written up to its prose (` — why`), quoted in failures. */
  readonly text: string;
  readonly owns: string;
  /** Our paths it may import besides its own (undefined: no such limit). */
  readonly allowSrc?: readonly string[];
  /** Our paths it must not import, each with its exceptions. */
  readonly denySrc: readonly { readonly path: string; readonly except: readonly string[] }[];
  /** The npm packages it may import (undefined: no such limit). */
  readonly allowPackages?: readonly string[];
}

export class RuleError extends Error {
  override readonly name = 'RuleError';
}

const ticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Parses a README's first two lines; throws a `RuleError` naming the README when they are not the rule. */
export function parseRule(readme: string, folder: string, text: string): FolderRule {
  const [first = '', second = ''] = text.split('\n');
  if (!/^Owns: \S/.test(first)) throw new RuleError(`${readme}: the first line must be "Owns: …", got ${JSON.stringify(first)}`);
  if (!second.startsWith('Must not import: ')) {
    throw new RuleError(`${readme}: the second line must be "Must not import: …", got ${JSON.stringify(second)}`);
  }
  const stated = second.split(' — ')[0]!;
  const clauses = stated.slice('Must not import: '.length).split(';');
  let allowSrc: string[] | undefined;
  let allowPackages: string[] | undefined;
  const denySrc: { path: string; except: string[] }[] = [];
  for (const raw of clauses) {
    const clause = raw.trim().replace(/\.$/, '');
    if (/^anything of ours( but\b|$)/.test(clause)) allowSrc = ticked(clause);
    else if (/^any package( but\b|$)/.test(clause)) allowPackages = ticked(clause);
    else if (clause.startsWith('`')) {
      for (const part of clause.split(/,(?![^(]*\))/)) {
        const [denied = '', exceptions = ''] = part.split(/\(but\b/);
        for (const p of ticked(denied)) denySrc.push({ path: p, except: ticked(exceptions) });
      }
    } else {
      throw new RuleError(`${readme}: cannot read the clause ${JSON.stringify(clause)} (known: "anything of ours [but …]", "any package [but …]", or \`paths\` with "(but \`exceptions\`)")`);
    }
  }
  const paths = [...(allowSrc ?? []), ...denySrc.flatMap((d) => [d.path, ...d.except])];
  const bad = paths.find((p) => !p.endsWith('/') && !/\.[cm]?ts$/.test(p));
  if (bad !== undefined) throw new RuleError(`${readme}: \`${bad}\` is neither a folder (ending in /) nor a source file under src/`);
  return { folder, readme, text: stated, owns: first.slice('Owns: '.length), allowSrc, denySrc, allowPackages };
}

/** The src/-relative paths a rule names, for checking that each still exists. */
export function namedPaths(rule: FolderRule): string[] {
  return [...(rule.allowSrc ?? []), ...rule.denySrc.flatMap((d) => [d.path, ...d.except])];
}

/** The rule a file answers to: the deepest folder above it that has one. */
export function ruleFor(rules: readonly FolderRule[], file: string): FolderRule | undefined {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  return rules
    .filter((r) => r.folder === '' || dir === r.folder || dir.startsWith(`${r.folder}/`))
    .sort((a, b) => b.folder.length - a.folder.length)[0];
}

const matches = (target: string, item: string) => (item.endsWith('/') ? target.startsWith(item) : target === item);

function isOwn(rule: FolderRule, target: string): boolean {
  return rule.folder === '' ? !target.includes('/') : target.startsWith(`${rule.folder}/`);
}

/** Why `site` in `file` (src/-relative) breaks `rule`, or `undefined` when it does not. */
export function breach(rule: FolderRule, srcRoot: string, file: string, site: ImportSite): string | undefined {
  const { specifier } = site;
  const where = `src/${file}:${site.line} imports '${specifier}'`;
  const because = `${rule.readme} says "${rule.text}"`;
  if (specifier.startsWith('<computed')) return `${where}: a computed specifier cannot be checked against ${rule.readme}`;
  const target = resolveInSrc(srcRoot, `${srcRoot}/${file}`, specifier);
  if (target === undefined) {
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
    const name = packageName(specifier);
    if (rule.allowPackages !== undefined && !rule.allowPackages.includes(name)) return `${where} (the package ${name}), but ${because}`;
    return undefined;
  }
  if (target.startsWith('../')) return `${where}, which is outside src/ (${target})`;
  if (isOwn(rule, target)) return undefined;
  if (rule.allowSrc !== undefined && !rule.allowSrc.some((item) => matches(target, item))) return `${where} (src/${target}), but ${because}`;
  const denied = rule.denySrc.find((d) => matches(target, d.path) && !d.except.some((e) => matches(target, e)));
  if (denied !== undefined) return `${where} (src/${target}), but ${because}`;
  return undefined;
}
