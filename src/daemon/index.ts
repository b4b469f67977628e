export {
  ensureArtifacts,
  defaultCacheDir,
  lockDir,
  lockDirName,
  artifactFileName,
  artifactUrl,
  artifactCoordinates,
  checkRepositoryUrl,
  missingArtifacts,
  DEFAULT_MAVEN_REPO,
} from './jars.js';
export type { ArtifactLock, LockedArtifact, EnsureOptions, FetchLike } from './jars.js';
export { findJava, parseJavaVersion, JavaNotFoundError, MIN_JAVA_MAJOR } from './java.js';
export type { JavaInfo, FindJavaOptions, JavaSource } from './java.js';
export {
  startDaemon,
  daemonCommand,
  prepareDaemon,
  checkJarDir,
  DAEMON_MAIN_CLASS,
  TIMEOUT_ENV,
} from './launch.js';
export type { StartDaemonOptions, DaemonCommandOptions, DaemonCommand, PrepareOptions, PreparedDaemon } from './launch.js';
export { KCL_MULTILANG_LOCK } from './kcl-multilang.lock.js';
