/**
 * The lock file: an ArtifactLock as JSON, the one format for the locks bundled with the
 * package (src/host/locks/), the ones scripts/lock-jars.ts writes, and locks a user makes
 * for another KCL version. Checked when read: a lock decides what lands on a class path,
 * so a corrupted one must stop with its file named, not half-work.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z as Z } from 'zod';
import { artifactFileName, type ArtifactLock, type LockedArtifact } from './artifact.js';

/** Bumped when a reader of the previous format could misread a new lock. */
export const LOCK_FORMAT = 1;

export class LockFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'LockFileError';
  }
}

// zod takes ~75 ms to load, more than the rest of the CLI; most commands never read a
// lock, so it is required on the first read instead of imported at start-up.
const requireFromHere = createRequire(import.meta.url);
let schema: Z.ZodType<ArtifactLock> | undefined;

/**
 * Coordinates end up in file names and URL paths: no '/', no leading '.', so a lock cannot
 * name a file outside its directory.
 */
const NAME_PART = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

function lockSchema(): Z.ZodType<ArtifactLock> {
  if (schema) return schema;
  const { z } = requireFromHere('zod') as typeof import('zod');
  const part = z.string().regex(NAME_PART, 'expected letters, digits, . _ + - (no /)');
  const artifact = z.object({
    group: part,
    artifact: part,
    version: part,
    classifier: part.optional(),
    extension: part,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    sha1: z.string().regex(/^[0-9a-f]{40}$/, 'expected 40 lowercase hex digits').optional(),
  });
  schema = z
    .object({
      lockFormat: z.literal(LOCK_FORMAT, {
        error: (issue) =>
          issue.input === undefined
            ? 'missing: not a kcl-ts lock file?'
            : `expected ${LOCK_FORMAT}: this kcl-ts reads lock format ${LOCK_FORMAT} (a lock from another kcl-ts version?)`,
      }),
      name: z.string().min(1),
      root: z.string().regex(/^[^:\s]+:[^:\s]+:[^:\s]+$/, 'expected group:artifact:version'),
      generatedBy: z.string().optional(),
      artifacts: z.array(artifact).min(1),
    })
    .superRefine((lock, ctx) => {
      const seen = new Map<string, number>();
      lock.artifacts.forEach((a, i) => {
        const name = artifactFileName(a);
        const prev = seen.get(name);
        if (prev !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['artifacts', i], message: `file name ${name} also used by artifacts[${prev}]` });
        }
        seen.set(name, i);
      });
      if (!lock.artifacts.some((a) => `${a.group}:${a.artifact}:${a.version}` === lock.root)) {
        ctx.addIssue({ code: 'custom', path: ['root'], message: `${lock.root} is not among the artifacts` });
      }
    })
    .transform(({ lockFormat: _format, ...lock }) => lock as ArtifactLock);
  return schema;
}

function issuePath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('') || '(top level)';
}

/** Parse lock JSON; `source` names the file in errors. Throws LockFileError. */
export function parseArtifactLock(text: string, source: string): ArtifactLock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LockFileError(source, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = lockSchema().safeParse(json);
  if (!result.success) {
    const issues = result.error.issues;
    const shown = issues.slice(0, 5).map((i) => `${issuePath(i.path)}: ${i.message}`);
    if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
    throw new LockFileError(source, `not a valid kcl-ts artifact lock: ${shown.join('; ')}`);
  }
  return result.data;
}

/** Read and check a lock file. Throws LockFileError naming the file. */
export function readArtifactLock(file: string): ArtifactLock {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LockFileError(file, `cannot read the lock: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseArtifactLock(text, file);
}

/** The JSON a lock is stored as; keys in a fixed order so a regenerated lock diffs cleanly. */
export function serializeArtifactLock(lock: ArtifactLock): string {
  const artifact = (a: LockedArtifact): LockedArtifact => ({
    group: a.group,
    artifact: a.artifact,
    version: a.version,
    ...(a.classifier !== undefined ? { classifier: a.classifier } : {}),
    extension: a.extension,
    sha256: a.sha256,
    ...(a.sha1 !== undefined ? { sha1: a.sha1 } : {}),
  });
  const out = {
    lockFormat: LOCK_FORMAT,
    name: lock.name,
    root: lock.root,
    ...(lock.generatedBy !== undefined ? { generatedBy: lock.generatedBy } : {}),
    artifacts: lock.artifacts.map(artifact),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
