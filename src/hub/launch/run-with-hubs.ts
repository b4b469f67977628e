/**
 * `kcl-ts run --hub`: the app command from `executableName` runs as N hubs, the daemon runs
 * the forwarder per lease instead (from a temporary copy of the properties), and the hubs
 * live exactly as long as the daemon:
 *
 * - start-up: every hub's socket must accept within the bound, else kcl-ts fails with the
 *   hub's status and last stderr lines (a stop signal meanwhile ends the start-up);
 * - while the daemon runs: a hub that dies unasked stops the daemon at once (SIGTERM, then
 *   SIGKILL after a bound) and kcl-ts exits 1, because leases whose hub is gone cannot be
 *   served and the daemon would otherwise go on restarting them; a hub that exits 0 after
 *   a stop signal has drained, as it should;
 * - after the daemon: the hubs still running get SIGTERM (their sessions are over, so they
 *   exit at once), and SIGKILL after a bound. The temporary files go, whatever happened.
 */
import type { ChildProcess } from 'node:child_process';
import { formatExecutableName, locateForwarder, type LocateOptions } from '../forwarder/locate.js';
import type { AppCommand } from './app-command.js';
import { makeHubDirectory } from './hub-directory.js';
import { describeExit, HubProcess, type HubExit } from './hub-process.js';
import { writePropertiesCopy, type PropertiesCopy } from './properties-copy.js';
import { watchStopSignals, type StopWatch } from './stop-signals.js';

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
/** A hub that exits 0 unasked may only have got a stop signal sent to everyone a moment before kcl-ts did. */
const SIGNAL_RACE_MS = 1000;
/** After the daemon: how long the hubs get to exit on SIGTERM. */
export const HUB_STOP_MS = 10_000;

export interface RunWithHubsOptions {
  readonly hubs: number;
  /** How long each hub's socket may take to accept. */
  readonly readyTimeoutMs: number;
  /** The user's properties file, absolute; only read. */
  readonly propertiesFile: string;
  /** For messages (as the user wrote it). */
  readonly propertiesShown: string;
  readonly app: AppCommand;
  /** The daemon's working directory, where the hubs run too. */
  readonly cwd: string;
  /** The environment the daemon's children would get. */
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: (text: string) => void;
  /** When a hub dies: how long the daemon gets to exit on SIGTERM before SIGKILL. */
  readonly daemonStopMs: number;
  /** Runs the daemon on `propertiesFile`, calls `started` with the JVM, resolves with its exit status. */
  readonly runDaemon: (propertiesFile: string, started: (jvm: ChildProcess) => void) => Promise<number>;
  /** Where the forwarder is looked for (tests). */
  readonly forwarder?: LocateOptions;
  /** Where the hubs' socket directory may go (tests). */
  readonly tmpRoots?: readonly string[];
  readonly hubStopMs?: number;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export async function runWithHubs(o: RunWithHubsOptions): Promise<number> {
  const say = (line: string): void => o.stderr(`kcl-ts: ${line}\n`);
  const directory = makeHubDirectory(o.hubs, o.tmpRoots);
  let copy: PropertiesCopy | undefined;
  // The finally below covers every way out but a crash: this covers that one too.
  const removeFiles = (): void => {
    copy?.remove();
    directory.remove();
  };
  process.once('exit', removeFiles);
  const stop = watchStopSignals();
  const hubs: HubProcess[] = [];
  try {
    const forwarder = locateForwarder(directory.sockets, o.forwarder);
    if (forwarder.warning) o.stderr(`${forwarder.warning}\n`);
    const executableName = formatExecutableName(forwarder.argv);
    copy = writePropertiesCopy(o.propertiesFile, executableName, directory.dir);

    for (const [i, socket] of directory.sockets.entries()) {
      const label = o.hubs === 1 ? 'the hub' : `hub ${i + 1} of ${o.hubs}`;
      hubs.push(new HubProcess({ label, argv: o.app.argv, socket, cwd: o.cwd, env: o.env, stderr: o.stderr }));
    }
    say(`starting ${o.hubs === 1 ? 'the hub' : `${o.hubs} hubs`}: ${o.app.argv.join(' ')} (pid ${hubs.map((h) => h.pid ?? '?').join(', ')}), waiting for ${o.hubs === 1 ? 'its socket' : 'their sockets'} in ${directory.dir}`);
    const failure = await startUp(hubs, o.readyTimeoutMs, stop);
    if (failure !== undefined) {
      o.stderr(failure.message);
      return failure.status;
    }
    for (const hub of hubs) hub.release();
    say(`${o.hubs === 1 ? 'the hub is' : `all ${o.hubs} hubs are`} ready; the daemon runs the forwarder per lease, from a copy of ${o.propertiesShown} (${copy.path}): executableName = ${executableName}`);
    const status = await superviseDaemon(hubs, copy.path, stop, o, say);
    const left = hubs.filter((hub) => hub.running).length;
    if (left > 0) say(`the daemon has exited: stopping ${left === 1 && o.hubs === 1 ? 'the hub' : `the ${left} hub(s) still running`} (SIGTERM)`);
    return status;
  } finally {
    await stopHubs(hubs, o.hubStopMs ?? HUB_STOP_MS, say);
    stop.dispose();
    removeFiles();
    process.off('exit', removeFiles);
  }
}

/** Undefined when every hub accepts; else what to print and the status to exit with. */
async function startUp(hubs: readonly HubProcess[], timeoutMs: number, stop: StopWatch): Promise<{ message: string; status: number } | undefined> {
  const signalled = stop.within(timeoutMs + 1000).then((signal) => (signal === undefined ? undefined : { signal }));
  const waits = hubs.map((hub) => hub.waitReady(timeoutMs).then((result) => ({ hub, result })));
  const pending = new Set(waits);
  while (pending.size > 0) {
    const next = await Promise.race([...pending, signalled.then((s) => s ?? new Promise<never>(() => undefined))]);
    if ('signal' in next) {
      return { message: `kcl-ts: ${next.signal} before the daemon started: stopping the hubs\n`, status: 128 + SIGNAL_NUMBERS[next.signal] };
    }
    pending.delete(waits[hubs.indexOf(next.hub)]!);
    if (next.result === 'ready') continue;
    const { hub } = next;
    const lines = hub.lastLines();
    const tail = lines.length === 0 ? ' (it wrote nothing on stderr)' : `; its last stderr lines:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
    if (next.result === 'timeout') {
      return { message: `kcl-ts: ${hub.label} (pid ${hub.pid}) did not accept on ${hub.socket} within ${seconds(timeoutMs)} (--hub-timeout)${tail}\n`, status: 1 };
    }
    const exit = await hub.exited;
    // A hub never ends by itself with 0: one that does is not serving KCL_TS_HUB_SOCKET at all.
    const hint = exit.code === 0 ? ' (is executableName a kcl-ts app, calling run() with a factory?)' : '';
    const why = exit.error ? `${hub.label} ${describeExit(exit)}` : `${hub.label} (pid ${hub.pid}) ${describeExit(exit)} before its socket accepted${hint}`;
    return { message: `kcl-ts: ${why}${exit.error ? '' : tail}\n`, status: 1 };
  }
  return undefined;
}

async function superviseDaemon(
  hubs: readonly HubProcess[],
  propertiesFile: string,
  stop: StopWatch,
  o: RunWithHubsOptions,
  say: (line: string) => void,
): Promise<number> {
  let jvm: ChildProcess | undefined;
  let daemonDone = false;
  let failed = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stopDaemon = (): void => {
    if (jvm === undefined || jvm.exitCode !== null || jvm.signalCode !== null) return;
    jvm.kill('SIGTERM');
    killTimer = setTimeout(() => {
      say(`the daemon did not exit within ${seconds(o.daemonStopMs)} of SIGTERM: killing it (SIGKILL)`);
      jvm?.kill('SIGKILL');
    }, o.daemonStopMs);
  };

  const onHubExit = async (hub: HubProcess, exit: HubExit): Promise<void> => {
    if (daemonDone || failed) return;
    const what = `${hub.label} (pid ${hub.pid}) ${describeExit(exit)}`;
    // Exit 0 is a hub that drained after a stop signal; the signal may reach us a moment after it.
    const signal = stop.received ?? (exit.code === 0 ? await stop.within(SIGNAL_RACE_MS) : undefined);
    if (daemonDone) return;
    if (signal !== undefined) {
      if (exit.code !== 0) say(`${what} during the stop`);
      return;
    }
    failed = true;
    say(`${what} while the daemon was running: stopping the daemon (SIGTERM, SIGKILL after ${seconds(o.daemonStopMs)}); exiting 1`);
    stopDaemon();
  };
  for (const hub of hubs) void hub.exited.then((exit) => onHubExit(hub, exit));

  let status: number;
  try {
    status = await o.runDaemon(propertiesFile, (child) => {
      jvm = child;
      // A hub that died between start-up and here.
      if (failed) stopDaemon();
    });
  } finally {
    daemonDone = true;
    if (killTimer !== undefined) clearTimeout(killTimer);
  }
  return failed ? 1 : status;
}

/** SIGTERM to every hub still running, SIGKILL to those still there after `boundMs`. */
async function stopHubs(hubs: readonly HubProcess[], boundMs: number, say: (line: string) => void): Promise<void> {
  const running = hubs.filter((hub) => hub.running);
  for (const hub of running) hub.signal('SIGTERM');
  await Promise.all(
    running.map(async (hub) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), boundMs)));
      const outcome = await Promise.race([hub.exited, late]);
      clearTimeout(timer);
      if (outcome !== 'late') return;
      say(`${hub.label} (pid ${hub.pid}) did not exit within ${seconds(boundMs)} of SIGTERM: killing it (SIGKILL)`);
      hub.signal('SIGKILL');
      await hub.exited;
    }),
  );
}
