/**
 * Which Maven repository the jars come from, and which URLs are acceptable for one.
 */

export const DEFAULT_MAVEN_REPO = 'https://repo.maven.apache.org/maven2';

/**
 * Only HTTPS, except plain HTTP to the loopback interface (tests, a local mirror).
 * Throws for anything else.
 */
export function checkRepositoryUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid Maven repository URL: ${url}`);
  }
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return u;
  throw new Error(
    `refusing Maven repository URL ${url}: only https:// is allowed (http:// only for 127.0.0.1/localhost)`,
  );
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The option if given, else `$KCL_TS_MAVEN_REPO`, else Maven Central. */
export function resolveRepositoryUrl(repositoryUrl?: string): string {
  return repositoryUrl ?? process.env['KCL_TS_MAVEN_REPO'] ?? DEFAULT_MAVEN_REPO;
}
