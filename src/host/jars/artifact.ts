/**
 * What a lock is made of, and the names an artifact goes by: its Maven coordinates in
 * messages, its file name on disk (what the class path `dir/*` picks up) and its URL in a
 * Maven repository.
 */

export interface LockedArtifact {
  group: string;
  artifact: string;
  version: string;
  classifier?: string;
  /** File extension as stored in the repository: 'jar', 'so', 'dll', … */
  extension: string;
  sha256: string;
  sha1?: string;
}

/**
 * Every file of a Java program's runtime class path with its hash. Stored as JSON (see
 * lock-file.ts); the bundled ones are in src/host/locks/.
 */
export interface ArtifactLock {
  name: string;
  /** "group:artifact:version" of the artifact the lock was resolved from. */
  root: string;
  artifacts: LockedArtifact[];
  /** How the lock was made (the command line), for whoever regenerates it. */
  generatedBy?: string;
}

/** "group:artifact:version[:classifier]" — used in messages. */
export function artifactCoordinates(a: LockedArtifact): string {
  return `${a.group}:${a.artifact}:${a.version}${a.classifier ? `:${a.classifier}` : ''}`;
}

/** The Maven repository file name: artifact-version[-classifier].extension */
export function artifactFileName(a: LockedArtifact): string {
  return `${a.artifact}-${a.version}${a.classifier ? `-${a.classifier}` : ''}.${a.extension}`;
}

export function artifactUrl(repositoryUrl: string, a: LockedArtifact): string {
  const base = repositoryUrl.replace(/\/+$/, '');
  return `${base}/${a.group.split('.').join('/')}/${a.artifact}/${a.version}/${artifactFileName(a)}`;
}
