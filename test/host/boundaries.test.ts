/**
 * src/host/README.md: host is the JVM side and imports nothing of the child's side
 * (engine, checkpoint, transport, hub, testing, …): only its own files, Node built-ins and
 * zod.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const HOST = new URL('../../src/host/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
}

/** Every module specifier of static imports, re-exports and dynamic imports. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\b(?:import|require[A-Za-z]*)\s*\(\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  return out;
}

describe('src/host imports', () => {
  const files = sources(HOST);

  it('finds the sources and their imports', () => {
    expect(files.length).toBeGreaterThan(15);
    expect(specifiers(readFileSync(path.join(HOST, 'launch.ts'), 'utf8'))).toContain('./java.js');
    expect(specifiers("import type { z as Z } from 'zod';\nconst a = requireFromHere('zod');")).toEqual(['zod', 'zod']);
  });

  it('only its own files, Node built-ins and zod', () => {
    const outside: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('node:') || spec === 'zod') continue;
        const resolved = path.resolve(path.dirname(file), spec);
        if (!spec.startsWith('.') || !resolved.startsWith(HOST)) outside.push(`${path.relative(HOST, file)}: ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
