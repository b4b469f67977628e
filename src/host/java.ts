/**
 * Finding a Java runtime for the MultiLangDaemon.
 *
 * Minimum version: KCL 3.1.3 (amazon-kinesis-client and -multilang) is compiled with
 * `<release>8</release>` (maven-compiler-plugin in both poms), and every class the
 * daemon loads from its 131 runtime jars targets Java 8 (one unrelated code-generation
 * jar pulled in by the Glue schema registry, javapoet 0.6.0, has Java 17 classes; the
 * daemon never loads it). So Java 8 is the floor; the daemon was exercised on 17.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { isExecutableFile, resolveCommand } from './command.js';

export const MIN_JAVA_MAJOR = 8;

export type JavaSource = 'flag' | 'JAVA_HOME' | 'PATH';

export interface JavaInfo {
  /** Absolute path (or the bare name `java` when found via PATH lookup). */
  path: string;
  major: number;
  /** The quoted version from `java -version`, e.g. "17.0.15" or "1.8.0_392". */
  version: string;
  source: JavaSource;
}

export interface FindJavaOptions {
  /** From `--java PATH`; when given, nothing else is tried. */
  javaPath?: string;
  env?: NodeJS.ProcessEnv;
  minMajor?: number;
  /** Timeout for `java -version`; default 30 s (a cold JVM on a busy machine is slow). */
  timeoutMs?: number;
}

export class JavaNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JavaNotFoundError';
  }
}

/** Parse `java -version` output (stderr). Handles "1.8.0_392", "11.0.2", "17", "21-ea". */
export function parseJavaVersion(output: string): { major: number; version: string } | undefined {
  const m = /version "([^"]+)"/.exec(output);
  if (!m) return undefined;
  const version = m[1]!;
  const parts = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!parts) return undefined;
  const first = Number(parts[1]);
  const major = first === 1 && parts[2] !== undefined ? Number(parts[2]) : first;
  return { major, version };
}

function runVersion(javaPath: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(javaPath, ['-version'], { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(err);
      else resolve(`${stderr}\n${stdout}`);
    });
  });
}

/**
 * Find Java: `--java PATH`, else `$JAVA_HOME/bin/java`, else `java` on PATH. Runs
 * `java -version` and checks the major version. Errors name every place looked at.
 */
export async function findJava(opts: FindJavaOptions = {}): Promise<JavaInfo> {
  const env = opts.env ?? process.env;
  const min = opts.minMajor ?? MIN_JAVA_MAJOR;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const looked: string[] = [];
  let candidate: { path: string; source: JavaSource } | undefined;

  if (opts.javaPath) {
    const p = path.resolve(opts.javaPath);
    if (!isExecutableFile(p)) {
      throw new JavaNotFoundError(`--java ${opts.javaPath}: ${p} is not an executable file`);
    }
    candidate = { path: p, source: 'flag' };
  } else {
    const home = env['JAVA_HOME'];
    if (home) {
      const p = path.join(path.resolve(home), 'bin', 'java');
      if (isExecutableFile(p)) candidate = { path: p, source: 'JAVA_HOME' };
      else looked.push(`$JAVA_HOME/bin/java (${p}: not found)`);
    } else {
      looked.push('$JAVA_HOME (not set)');
    }
    if (!candidate) {
      const p = resolveCommand('java', process.cwd(), env);
      if (p) candidate = { path: p, source: 'PATH' };
      else looked.push(`java on PATH (${env['PATH'] ?? ''})`);
    }
  }
  if (!candidate) {
    throw new JavaNotFoundError(
      `no Java runtime found; looked at: ${looked.join('; ')}. ` +
        `Install Java ${min} or later (e.g. apt-get install openjdk-17-jre-headless), set JAVA_HOME, or pass --java PATH.`,
    );
  }

  let output: string;
  try {
    output = await runVersion(candidate.path, env, timeoutMs);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new JavaNotFoundError(`${candidate.path} (from ${candidate.source}) failed to run "java -version": ${msg}`);
  }
  const parsed = parseJavaVersion(output);
  if (!parsed) {
    throw new JavaNotFoundError(
      `${candidate.path} (from ${candidate.source}): cannot read a version from "java -version": ${output.trim().slice(0, 200)}`,
    );
  }
  if (parsed.major < min) {
    throw new JavaNotFoundError(
      `${candidate.path} (from ${candidate.source}) is Java ${parsed.version}; the KCL 3.1.3 MultiLangDaemon needs Java ${min} or later ` +
        `(its pom compiles with release ${MIN_JAVA_MAJOR}). Set JAVA_HOME or pass --java PATH.`,
    );
  }
  return { path: candidate.path, major: parsed.major, version: parsed.version, source: candidate.source };
}
