import path from 'node:path';
import type { ArtifactLock } from '../../host/jars/artifact.js';
import { kclMultilangLock } from '../../host/jars/bundled.js';
import { kclVersionOf, readKclLock } from '../../host/jars/kcl-lock.js';
import {
  prepareDaemon,
  startDaemon,
  SHUTDOWN_GRACE_ENV,
  TIMEOUT_ENV,
  daemonCommand,
  type PrepareOptions,
  type StartDaemonOptions,
} from '../../host/launch.js';
import { formatDiagnostic } from '../../host/properties/diagnostic.js';
import { validatePropertiesFile } from '../../host/properties/validate.js';
import { preflightFile } from '../../host/preflight/preflight.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { readAppCommand } from '../../hub/launch/app-command.js';
import { runWithHubs } from '../../hub/launch/run-with-hubs.js';
import { HUB_RUN_HELP, HUB_RUN_OPTIONS, parseHubRunOptions } from './hub-options.js';
import { DEFAULT_STARTUP_ATTEMPTS, runAndForwardSignals } from './run-daemon.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'validate a properties file and run the KCL MultiLangDaemon with it',
  // A getter: the lock is read (and checked) only when the help is shown.
  get help() {
    const lock = kclMultilangLock();
    return `Usage: kcl-ts run --properties <file.properties> [options]
       kcl-ts run --hub [--hubs N] --properties <file.properties> [options]

Validates the file, makes sure Java and the ${lock.artifacts.length} KCL jars
(${lock.root}, or those of --lock FILE) are there (downloading the jars
into the cache the first time), then runs
  java -cp '<jar dir>/*' software.amazon.kinesis.multilang.MultiLangDaemon --properties-file <file>
with this terminal's stdin, passing its output through, and exits with the daemon's status.

Fails fast: before the JVM starts, an endpoint on this machine (kinesisEndpoint,
dynamoDBEndpoint, <client>.endpointOverride on 127.0.0.0/8, ::1 or localhost) where
nothing listens, or a local run with no AWS credentials for the daemon, is one line and
exit 2. A daemon whose start fails (the KCL retries its initialization up to 20 times,
then exits 0) is stopped after --startup-attempts failures, and kcl-ts exits 1 with
"kcl-ts: the daemon could not start: <cause>" after the daemon's output.

Signals: SIGINT, SIGTERM and SIGHUP sent to kcl-ts are forwarded to the JVM (Ctrl-C in a
terminal reaches kcl-ts, since the daemon runs in its own process group); a third signal
kills the JVM. A signal sent to every process at once is fine too, e.g. by systemd's
default KillMode=control-group (no need for KillMode=mixed): the shard children keep
serving the daemon's shutdown until their stdin closes, so they still answer
shutdownRequested and checkpoint. A graceful stop needs shutdownGraceMillis (e.g. 30000);
with the default 0 the daemon stops at once and the children get no shutdownRequested.

When timeoutInSeconds and shutdownGraceMillis are set, the children get them as
${TIMEOUT_ENV} and ${SHUTDOWN_GRACE_ENV}.

Options:
  -p, --properties FILE   the daemon's properties file (required; may also be given as the only argument)
  --java PATH             Java executable (default: $JAVA_HOME/bin/java, then java on PATH)
  --lock FILE             the daemon's jars from this lock (another KCL version, made by "kcl-ts lock")
  --jar-dir DIR           use the jars in DIR as they are (see "kcl-ts jars --jar-dir")
  --maven-repo URL        Maven repository for the jar download (default: $KCL_TS_MAVEN_REPO or Maven Central)
  --java-opt OPT          extra JVM option, repeatable (e.g. --java-opt=-Xmx256m)
  --log-configuration F   logback.xml for the daemon
  --no-validate           skip validation (errors would otherwise stop the start)
  --no-preflight          skip the endpoint and credentials checks before the JVM starts
  --startup-attempts N    stop the daemon after N failed start-up attempts (default ${DEFAULT_STARTUP_ATTEMPTS}; 0: let it retry)
  -h, --help              show this help

${HUB_RUN_HELP}
More: docs/cli.md (kcl-ts run, hub mode).
`;
  },
  async run(argv, io) {
    const parsed = parseCommandArgs(
      this,
      argv,
      io,
      {
        properties: { type: 'string', short: 'p' },
        java: { type: 'string' },
        lock: { type: 'string' },
        'jar-dir': { type: 'string' },
        'maven-repo': { type: 'string' },
        'java-opt': { type: 'string', multiple: true },
        'log-configuration': { type: 'string' },
        'no-validate': { type: 'boolean' },
        'no-preflight': { type: 'boolean' },
        'startup-attempts': { type: 'string' },
        ...HUB_RUN_OPTIONS,
      },
      true,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    const hubMode = parseHubRunOptions(v);
    let props = str(v['properties']);
    if (parsed.positionals.length > 0) {
      if (props || parsed.positionals.length > 1) {
        throw new UsageError(`unexpected argument: ${parsed.positionals.join(' ')}`);
      }
      props = parsed.positionals[0];
    }
    if (!props) throw new UsageError('missing --properties FILE');
    const propertiesFile = path.resolve(io.cwd, props);
    const startupAttempts = parseStartupAttempts(str(v['startup-attempts']));
    const lockFlag = str(v['lock']);
    if (lockFlag && str(v['jar-dir'])) throw new UsageError('--lock and --jar-dir exclude each other: --jar-dir uses a directory as it is');
    let lock: ArtifactLock | undefined;
    if (lockFlag) {
      try {
        lock = readKclLock(path.resolve(io.cwd, lockFlag));
      } catch (err) {
        io.stderr(`kcl-ts: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    }

    if (!v['no-validate']) {
      const result = validatePropertiesFile(propertiesFile, { cwd: io.cwd, env: io.env });
      for (const d of result.diagnostics) io.stderr(`${formatDiagnostic({ ...d, file: props })}\n`);
      if (!result.ok) {
        io.stderr(`kcl-ts: not starting the daemon: ${props} has errors (see above)\n`);
        return 1;
      }
      if (result.parsed) for (const hint of environmentHints(result.parsed.map, io.env)) io.stderr(`kcl-ts: ${hint}\n`);
    }
    const javaOptions = ((v['java-opt'] as string[] | undefined) ?? []).slice();
    if (!v['no-preflight']) {
      const problems = await preflightFile(propertiesFile, { env: io.env, javaOptions });
      for (const p of problems) io.stderr(`kcl-ts: ${p}\n`);
      if (problems.length > 0) return 2;
    }

    // Before any download: a file with no app command to run as the hub is refused at once.
    const app = hubMode ? readAppCommand(propertiesFile, props) : undefined;

    const prep: PrepareOptions = { env: io.env, log: (m) => io.stderr(`kcl-ts: ${m}\n`) };
    const javaFlag = str(v['java']);
    const jarDirFlag = str(v['jar-dir']);
    const repo = str(v['maven-repo']);
    if (javaFlag) prep.javaPath = path.resolve(io.cwd, javaFlag);
    if (jarDirFlag) prep.jarDir = path.resolve(io.cwd, jarDirFlag);
    if (repo) prep.repositoryUrl = repo;
    if (lock) prep.lock = lock;
    let prepared;
    try {
      prepared = await prepareDaemon(prep);
    } catch (err) {
      io.stderr(`kcl-ts: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }

    const opts: StartDaemonOptions = {
      propertiesFile,
      javaPath: prepared.java.path,
      jarDir: prepared.jarDir,
      env: io.env,
      cwd: io.cwd,
      javaOptions,
      // Piped, to be watched for a failed start; passed through unchanged.
      stdio: ['inherit', 'pipe', 'pipe'],
      ...(str(v['log-configuration']) ? { logConfiguration: path.resolve(io.cwd, str(v['log-configuration'])!) } : {}),
    };
    const cmd = daemonCommand(opts);
    const daemonIO = { stderr: io.stderr, startupAttempts };
    const kcl = lock ? `KCL ${kclVersionOf(lock)} from ${lockFlag}, ` : '';
    for (const name of [TIMEOUT_ENV, SHUTDOWN_GRACE_ENV]) {
      if (cmd.env[name] !== undefined && io.env[name] === undefined) {
        io.stderr(`kcl-ts: ${hubMode ? 'the hubs' : 'children'} get ${name}=${cmd.env[name]}\n`);
      }
    }
    if (hubMode && app) {
      const grace = Number(cmd.env[SHUTDOWN_GRACE_ENV] ?? '0');
      return runWithHubs({
        ...hubMode,
        propertiesFile,
        propertiesShown: props,
        app,
        cwd: io.cwd,
        env: cmd.env,
        stderr: io.stderr,
        // The daemon's own graceful stop is bounded by shutdownGraceMillis.
        daemonStopMs: (Number.isFinite(grace) ? grace : 0) + 10_000,
        runDaemon: (copy, started) => {
          io.stderr(`kcl-ts: starting the MultiLangDaemon (${kcl}Java ${prepared.java.version}, ${prepared.java.path})\n`);
          return runAndForwardSignals(() => {
            const jvm = startDaemon({ ...opts, propertiesFile: copy });
            started(jvm);
            return jvm;
          }, daemonIO);
        },
      });
    }
    io.stderr(`kcl-ts: starting the MultiLangDaemon (${kcl}Java ${prepared.java.version}, ${prepared.java.path})\n`);
    return runAndForwardSignals(() => startDaemon(opts), daemonIO);
  },
};

function parseStartupAttempts(value: string | undefined): number {
  if (value === undefined) return DEFAULT_STARTUP_ATTEMPTS;
  if (!/^\d+$/.test(value) || Number(value) > 20) {
    throw new UsageError(`--startup-attempts ${JSON.stringify(value)}: expected a whole number from 0 to 20 (the daemon makes 20)`);
  }
  return Number(value);
}

/**
 * Things the properties file cannot fix: the daemon's AWS SDK reads the region from its
 * environment. (Credentials for a local run are checked before the JVM starts:
 * src/host/preflight/.)
 */
export function environmentHints(
  props: ReadonlyMap<string, { value: string }>,
  env: NodeJS.ProcessEnv,
): string[] {
  const hints: string[] = [];
  if (!props.get('regionName')?.value.trim() && !env['AWS_REGION'] && !env['AWS_DEFAULT_REGION']) {
    hints.push('warning: no regionName in the properties and no AWS_REGION in the environment; the daemon may not find a region');
  }
  return hints;
}
