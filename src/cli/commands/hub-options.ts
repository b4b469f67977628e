/**
 * `kcl-ts run`'s hub-mode options (`--hub`, `--hubs N`, `--hub-timeout S`): their parsing
 * and their part of the help, kept beside the `hub` command rather than in run.ts.
 */
import { type ParsedCommandArgs } from '../args.js';
import { UsageError } from '../command.js';

export const HUB_RUN_OPTIONS = {
  hub: { type: 'boolean' },
  hubs: { type: 'string' },
  'hub-timeout': { type: 'string' },
} as const;

export const DEFAULT_HUB_TIMEOUT_SECONDS = 30;
/** More hubs than this is a typo, not a plan: each is a whole Node process. */
export const MAX_HUBS = 256;

export interface HubRunSettings {
  readonly hubs: number;
  readonly readyTimeoutMs: number;
}

export const HUB_RUN_HELP = `Hub mode (--hub): one Node process serves every lease instead of one child per lease.
kcl-ts starts the executableName command once as the hub (split on spaces, no shell, from
this directory, with KCL_TS_HUB_SOCKET set to a socket in a fresh 0700 temporary
directory; its run() must get a factory: run(() => new MyProcessor())), waits for its
socket, then runs the daemon on a temporary copy of the properties whose executableName
is the forwarder (the copy sits beside your file, or in the temporary directory if that
one is read-only; your file is never written; both go when kcl-ts exits). If a hub dies
while the daemon runs, kcl-ts says so, stops the daemon and exits 1; after the daemon
exits, the hubs get SIGTERM (SIGKILL after 10 s). Signals to kcl-ts go to the JVM only:
the hubs drain when the daemon ends their sessions.

Hub options:
  --hub                   run executableName as the hub (see above)
  --hubs N                run N hubs (implies --hub; default 1) with the leases spread over
                          them in turn: a hub is one Node process, so CPU-bound processors
                          use one core per hub. Choose about one hub per core that the
                          processors keep busy; keep 1 when they mostly wait on I/O
  --hub-timeout S         how long each hub's socket may take to accept (default ${DEFAULT_HUB_TIMEOUT_SECONDS})
`;

/** Undefined when hub mode is off; UsageError naming the option for a bad value. */
export function parseHubRunOptions(values: ParsedCommandArgs['values']): HubRunSettings | undefined {
  const hubsText = values['hubs'];
  const timeoutText = values['hub-timeout'];
  const on = values['hub'] === true || typeof hubsText === 'string';
  if (!on) {
    if (typeof timeoutText === 'string') throw new UsageError('--hub-timeout is for hub mode: add --hub (or --hubs N)');
    return undefined;
  }
  let hubs = 1;
  if (typeof hubsText === 'string') {
    const t = hubsText.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_HUBS) {
      throw new UsageError(`--hubs must be a whole number from 1 to ${MAX_HUBS} (one hub per busy core), got ${JSON.stringify(hubsText)}`);
    }
    hubs = Number(t);
  }
  let readyTimeoutMs = DEFAULT_HUB_TIMEOUT_SECONDS * 1000;
  if (typeof timeoutText === 'string') {
    const t = timeoutText.trim();
    const seconds = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
    if (!(seconds > 0) || seconds > 3600) {
      throw new UsageError(`--hub-timeout must be a number of seconds above 0 and at most 3600, got ${JSON.stringify(timeoutText)}`);
    }
    readyTimeoutMs = Math.round(seconds * 1000);
  }
  return { hubs, readyTimeoutMs };
}
