/**
 * Starting the KCL MultiLangDaemon (a JVM) for a properties file.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ArtifactLock } from './jars/artifact.js';
import { kclMultilangLock } from './jars/bundled.js';
import { lockDir } from './jars/cache.js';
import { ensureArtifacts, type EnsureOptions } from './jars/ensure.js';
import { findJava, type JavaInfo } from './java.js';
import { parsePropertiesBuffer, type ParsedProperties } from './properties/parse.js';
import { getShutdownGraceMillis, getTimeoutSeconds } from './properties/settings.js';

export const DAEMON_MAIN_CLASS = 'software.amazon.kinesis.multilang.MultiLangDaemon';
/** Environment variable through which children learn the daemon's timeoutInSeconds. */
export const TIMEOUT_ENV = 'KCL_TS_TIMEOUT_SECONDS';
/**
 * Environment variable through which children learn the daemon's shutdownGraceMillis:
 * how long, after a signal, they keep serving the daemon's shutdown before giving up.
 */
export const SHUTDOWN_GRACE_ENV = 'KCL_TS_SHUTDOWN_GRACE_MILLIS';

/** What the children are told about the daemon's settings, each from one properties key. */
const CHILD_SETTINGS: ReadonlyArray<[env: string, read: (p: ParsedProperties) => number | undefined]> = [
  [TIMEOUT_ENV, getTimeoutSeconds],
  [SHUTDOWN_GRACE_ENV, getShutdownGraceMillis],
];

export interface DaemonCommandOptions {
  /** Made absolute against process.cwd(): the daemon looks a relative name up on its class path first. */
  propertiesFile: string;
  /** Java executable; default `$JAVA_HOME/bin/java` if JAVA_HOME is set, else `java` (PATH). */
  javaPath?: string;
  /** Directory holding the daemon's jars; default the cache directory of the bundled KCL lock (not filled here). */
  jarDir?: string;
  /** Extra JVM options placed before the main class, e.g. ['-Xmx256m']. */
  javaOptions?: string[];
  /** A logback.xml for the daemon (`--log-configuration`). */
  logConfiguration?: string;
  /** Base environment; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface StartDaemonOptions extends DaemonCommandOptions {
  /** Default 'inherit'. */
  stdio?: StdioOptions;
  /** Daemon working directory (relative executableName paths resolve against it). */
  cwd?: string;
  /**
   * Start the daemon in its own process group (default true). A terminal's Ctrl-C (or a
   * supervisor signalling our process group) then reaches only us, and the JVM learns of
   * it once, from us, so that `kcl-ts run` can count the signals (the third kills the
   * JVM). The children would survive the signal anyway: they keep serving the daemon's
   * shutdown until their stdin closes.
   */
  newProcessGroup?: boolean;
}

export interface DaemonCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

function defaultJava(env: NodeJS.ProcessEnv): string {
  const home = env['JAVA_HOME'];
  return home ? path.join(home, 'bin', 'java') : 'java';
}

/** The argument vector (never a shell string) and environment for the daemon. */
export function daemonCommand(opts: DaemonCommandOptions): DaemonCommand {
  const baseEnv = opts.env ?? process.env;
  const propertiesFile = path.resolve(opts.propertiesFile);
  const jarDir = path.resolve(opts.jarDir ?? lockDir(kclMultilangLock()));
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  const unset = CHILD_SETTINGS.filter(([name]) => env[name] === undefined);
  if (unset.length > 0) {
    let parsed: ParsedProperties | undefined;
    try {
      parsed = parsePropertiesBuffer(readFileSync(propertiesFile));
    } catch {
      // An unreadable or malformed file is the daemon's to report.
    }
    for (const [name, read] of unset) {
      const value = parsed && read(parsed);
      if (value !== undefined) env[name] = String(value);
    }
  }
  const args = [
    ...(opts.javaOptions ?? []),
    '-cp',
    // The java launcher expands "dir/*" to every .jar in dir itself; no shell involved.
    `${jarDir}${path.sep}*`,
    DAEMON_MAIN_CLASS,
    '--properties-file',
    propertiesFile,
  ];
  if (opts.logConfiguration) args.push('--log-configuration', path.resolve(opts.logConfiguration));
  return { command: opts.javaPath ?? defaultJava(baseEnv), args, env };
}

/**
 * Spawn the daemon. Nothing is downloaded or checked here: give `jarDir` and `javaPath`
 * from `prepareDaemon` (or know they are right). Returns the JVM's ChildProcess; signal it
 * with `child.kill('SIGTERM')` for a graceful stop (set shutdownGraceMillis).
 */
export function startDaemon(opts: StartDaemonOptions): ChildProcess {
  const { command, args, env } = daemonCommand(opts);
  return spawn(command, args, {
    env,
    stdio: opts.stdio ?? 'inherit',
    cwd: opts.cwd,
    detached: opts.newProcessGroup ?? true,
    shell: false,
  });
}

export interface PrepareOptions extends Omit<EnsureOptions, 'targetDir'> {
  javaPath?: string;
  /** The jars to make sure of; default the bundled KCL multilang 3.1.3 lock. */
  lock?: ArtifactLock;
  /** Use this directory as is (must already hold the KCL jars) instead of the cache. */
  jarDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface PreparedDaemon {
  java: JavaInfo;
  jarDir: string;
}

/** Find Java and make sure the KCL jars are present (downloading into the cache if needed). */
export async function prepareDaemon(opts: PrepareOptions = {}): Promise<PreparedDaemon> {
  const findOpts: Parameters<typeof findJava>[0] = { env: opts.env ?? process.env };
  if (opts.javaPath) findOpts.javaPath = opts.javaPath;
  const javaP = findJava(findOpts);
  let jarDirP: Promise<string>;
  if (opts.jarDir) {
    jarDirP = Promise.resolve(checkJarDir(opts.jarDir));
  } else {
    const { javaPath: _j, jarDir: _d, env: _e, lock, ...ensureOpts } = opts;
    jarDirP = ensureArtifacts(lock ?? kclMultilangLock(), ensureOpts);
  }
  const [java, jarDir] = await Promise.all([javaP, jarDirP]);
  return { java, jarDir };
}

/** Check that a user-supplied jar directory holds the MultiLangDaemon; returns it absolute. */
export function checkJarDir(dir: string): string {
  const abs = path.resolve(dir);
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (err) {
    throw new Error(`--jar-dir ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!names.some((n) => /^amazon-kinesis-client-multilang-.*\.jar$/.test(n))) {
    throw new Error(
      `--jar-dir ${dir}: no amazon-kinesis-client-multilang-*.jar in ${abs}; fill it with "kcl-ts jars --jar-dir ${dir}"`,
    );
  }
  return abs;
}
