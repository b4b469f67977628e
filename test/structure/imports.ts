/**
 * Every module a source file imports, read with TypeScript's own parser rather than a
 * regex, so that an import written inside a string or template (`kcl-ts init` writes
 * whole files that way) is not taken for one, and a dynamic `import()`, a `require()`, a
 * re-export or a type-level `typeof import('x')` is not missed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportSite {
  /** The specifier as written (`'../protocol/types.js'`, `'zod'`). */
  readonly specifier: string;
  /** 1-based line of the import, for the failure message. */
  readonly line: number;
}

/** The source files under `dir` (TypeScript, also `.cts`/`.mts`; no declaration files). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return /\.[cm]?ts$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

export function importsOf(fileName: string, text = readFileSync(fileName, 'utf8')): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, specifier: string) =>
    sites.push({ specifier, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node, node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && isImportCall(node)) {
      const first = node.arguments[0];
      // A computed specifier cannot be checked: name it, so the rule check refuses it.
      if (first !== undefined) add(node, ts.isStringLiteralLike(first) ? first.text : `<computed: ${first.getText(source)}>`);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

function isImportCall(call: ts.CallExpression): boolean {
  return call.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(call.expression) && call.expression.text === 'require');
}

/**
 * Where a relative specifier lands, as a path relative to `srcRoot` with the source's
 * extension (`protocol/types.ts` for `'../protocol/types.js'`), or `undefined` for a
 * package. A path outside `srcRoot` comes back starting with `../`.
 */
export function resolveInSrc(srcRoot: string, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const absolute = path.resolve(path.dirname(fromFile), specifier).replace(/\.([cm]?)js$/, '.$1ts');
  return path.relative(srcRoot, absolute).split(path.sep).join('/');
}

/** `@scope/name/sub` → `@scope/name`, `zod/v4` → `zod`; built-ins keep their `node:` form. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
