/**
 * Issue 11, item 1: a stop signal sent to every process at once. `systemctl stop` with
 * systemd's default `KillMode=control-group` signals every process of the unit at the same
 * moment (the JVM and each child, even when the unit's main process is `kcl-ts run`: a
 * cgroup is not a process group); Ctrl-C on a plain `java ...` command signals the JVM's
 * whole process group, children included.
 *
 * The child must survive that signal: note it once on stderr (`kcl-ts: SIGTERM received`),
 * keep serving the daemon (its graceful shutdown sends `shutdownRequested`, the child
 * checkpoints), and exit 0 when its stdin ends. A child that died on the signal leaves the
 * daemon nobody to ask: no final checkpoint, every lease left where it was.
 *
 * Each case: 2 shards, a few hundred records, all consumed, a policy that checkpoints
 * nothing before the stop (every lease still at TRIM_HORIZON), then the signal; only the
 * `shutdownRequested` checkpoint can put each lease at its shard's last record.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consumedRecords, readEvents, summarize } from '../harness/consumed.js';
import { REPO_ROOT, startKclDaemon, startKclTsRun, type DaemonOptions } from '../harness/kcl.js';
import { descendantPids, groupAlive, processAlive as alive, signalTree, waitFor, type ExitInfo, type ManagedProcess } from '../harness/processes.js';
import { RECORDING_PROCESSOR as PROCESSOR, useScenario } from '../harness/scenario.js';

const RECORDS = 300;
/** The daemon's shutdown hook waits this long for the children (fastProperties' 20 s, shorter). */
const SHUTDOWN_GRACE_MS = 12_000;
/** The daemon must be gone by then: its grace period and a generous margin. */
const EXIT_BOUND_MS = SHUTDOWN_GRACE_MS + 25_000;

/**
 * The child as one node process, no wrapper: tsx's loader inside node itself
 * (`node --import tsx`), so the signal reaches our code and nothing relays it again.
 */
function nodeExecutable(script: string): string {
  const loader = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const command = `${process.execPath} --import ${loader} ${path.resolve(REPO_ROOT, script)}`;
  if (command.split(' ').length !== 4) throw new Error(`executableName is split on spaces by the daemon: ${command}`);
  return command;
}

/** `pid comm` of a process, for the log of what was signalled. */
function describePid(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const shown = args.slice(0, 3).map((a) => (a.length > 40 ? `…${a.slice(-39)}` : a));
    return `${pid} ${shown.join(' ')}`;
  } catch {
    return `${pid} (gone)`;
  }
}

/** What `kcl-ts run` passes to the children (the properties' shutdownGraceMillis). */
const SHUTDOWN_GRACE_ENV = 'KCL_TS_SHUTDOWN_GRACE_MILLIS';

function environOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

interface Case {
  name: string;
  stream: string;
  app: string;
  launcher: 'java' | 'kcl-ts run';
  child: 'node' | 'tsx';
  signal: 'SIGTERM' | 'SIGINT';
  /** Send the signal to the same processes once more after every child noted the first. */
  twice?: boolean;
}

const CASES: Case[] = [
  { name: 'java-term', stream: 's-java-term', app: 'sig-java-term', launcher: 'java', child: 'node', signal: 'SIGTERM' },
  { name: 'cli-term', stream: 's-cli-term', app: 'sig-cli-term', launcher: 'kcl-ts run', child: 'node', signal: 'SIGTERM' },
  { name: 'java-term-tsx', stream: 's-java-term-tsx', app: 'sig-java-term-tsx', launcher: 'java', child: 'tsx', signal: 'SIGTERM' },
  { name: 'java-ctrl-c', stream: 's-java-ctrl-c', app: 'sig-java-ctrl-c', launcher: 'java', child: 'node', signal: 'SIGINT', twice: true },
];

/** `Received error line from subprocess [<child's stderr line>] for shard <id>` (the daemon's log). */
const CHILD_STDERR = /Received error line from subprocess \[(.*)\] for shard (\S+)/;
const NOTE = /^kcl-ts: (SIGTERM|SIGINT|SIGHUP) received/;

describe('a stop signal sent to the daemon and every child at once', () => {
  const s = useScenario({ streams: CASES.map((c) => ({ name: c.stream, shards: 2, app: c.app })) });

  async function scenario(c: Case): Promise<void> {
    const output = path.join(s.standIns.workDir, `${c.name}.jsonl`);
    const put = await s.put(
      Array.from({ length: RECORDS }, (_, i) => ({ data: `${c.name}-${i}`, partitionKey: `pk-${i}` })),
      c.stream,
    );
    expect(put.byShard.size).toBe(2);
    const shards = [...put.byShard.keys()].sort();
    const lastPut = new Map([...put.byShard].map(([shard, seqs]) => [shard, BigInt(seqs[seqs.length - 1]!)]));

    const options: DaemonOptions = s.daemonOptions(c.name, {
      stream: c.stream,
      output,
      ...(c.child === 'node' ? { executableName: nodeExecutable(PROCESSOR) } : {}),
      properties: { shutdownGraceMillis: SHUTDOWN_GRACE_MS },
      // never checkpoints on its own: only shutdownRequested's checkpoint can move a lease
      env: { E2E_CHECKPOINT_EVERY: '1000000' },
    });

    let proc: ManagedProcess;
    /** The JVM's process group (the JVM leads it; its children are in it). */
    let jvmGroup: number;
    let cleanUp: () => Promise<void>;
    if (c.launcher === 'java') {
      const daemon = startKclDaemon(options);
      proc = daemon.process;
      jvmGroup = daemon.process.pid;
      cleanUp = () => daemon.kill();
    } else {
      const cli = await startKclTsRun(options);
      proc = cli.process;
      jvmGroup = cli.jvmPid;
      cleanUp = () => cli.kill();
    }
    const notes: { shard: string; line: string }[] = [];
    const childStderr: string[] = [];
    proc.onLine((line) => {
      const m = CHILD_STDERR.exec(line);
      if (!m) return;
      childStderr.push(`${m[2]}: ${m[1]}`);
      if (NOTE.test(m[1]!)) notes.push({ shard: m[2]!, line: m[1]! });
    });

    try {
      // (waitFor retries a probe that throws: stop at once if the daemon is gone instead)
      await waitFor('every record consumed', () => !proc.running || consumedRecords(readEvents(output)).length >= RECORDS, 120_000, 200);
      if (!proc.running) throw new Error(`${proc.name} exited before the signal: ${proc.tail(30)}`);
      const before = await s.leases(c.app);
      expect(
        shards.map((shard) => before.get(shard)?.checkpoint),
        'nothing checkpointed before the stop (the policy never checkpoints by itself)',
      ).toEqual(shards.map(() => 'TRIM_HORIZON'));
      const childrenBefore = readEvents(output).filter((e) => e.ev === 'initialize').map((e) => e.pid);
      expect(childrenBefore, 'one child per shard').toHaveLength(2);
      // kcl-ts run hands the daemon's shutdownGraceMillis to the children (their signal deadline)
      const graceEnv = childrenBefore.map((pid) => environOf(pid)[SHUTDOWN_GRACE_ENV] ?? null);

      // --- the signal, to everything at once
      const root = c.launcher === 'java' ? jvmGroup : proc.pid;
      const tree = [root, ...descendantPids(root)];
      const described = tree.map(describePid);
      const t0 = Date.now();
      let signalled: number[];
      if (c.launcher === 'java') {
        signalled = tree;
        process.kill(-jvmGroup, c.signal);
      } else {
        signalled = signalTree(proc.pid, c.signal);
      }
      console.log(`${c.name}: ${c.signal} to ${c.launcher === 'java' ? 'the JVM group' : 'each of'}:\n  ${described.join('\n  ')}`);
      for (const pid of childrenBefore) expect(signalled, `child ${pid} was signalled`).toContain(pid);

      if (c.twice) {
        // a second Ctrl-C once both children have noted the first: noted by none, changes nothing
        await waitFor('both children noted the signal (or died of it)', () => notes.length >= 2 || childrenBefore.every((pid) => !alive(pid)), 10_000, 50);
        const stillAlive = childrenBefore.filter(alive);
        process.kill(-jvmGroup, c.signal);
        console.log(`${c.name}: ${c.signal} again to the group ${Date.now() - t0} ms later; children still alive then: ${stillAlive.length}`);
      }

      // --- the daemon must exit by itself, its children with it
      let exit: ExitInfo | undefined;
      let exitError: string | undefined;
      try {
        exit = await proc.waitForExit(EXIT_BOUND_MS);
      } catch (err) {
        exitError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
      const exitedAfterMs = Date.now() - t0;
      const groupGone = await waitFor('the JVM group gone', () => !groupAlive(jvmGroup), 10_000, 50).then(
        () => true,
        () => false,
      );
      await proc.waitForOutputEnd(5_000).catch(() => undefined);

      const events = readEvents(output).filter((e) => e.run === c.name);
      const leases = await s.leases(c.app);
      const notesPerShard = Object.fromEntries(shards.map((shard) => [shard, notes.filter((n) => n.shard === shard).length]));
      const observed = {
        daemonExitedByItself: exit !== undefined && exit.signal === null,
        jvmGroupGone: groupGone,
        notesPerShard,
        noteSignals: [...new Set(notes.map((n) => NOTE.exec(n.line)![1]))],
        shutdownRequested: events.filter((e) => e.ev === 'shutdownRequested').map((e) => e.shard).sort(),
        childExitCodes: events.filter((e) => e.ev === 'exit').map((e) => e.code),
        ...(c.launcher === 'kcl-ts run' ? { childrenShutdownGraceEnv: graceEnv } : {}),
        checkpoints: Object.fromEntries(
          shards.map((shard) => {
            const cp = leases.get(shard)?.checkpoint;
            return [shard, cp !== undefined && /^\d+$/.test(cp) ? BigInt(cp) : cp];
          }),
        ),
      };
      console.log(
        `${c.name}: daemon ${exit ? `exit ${JSON.stringify(exit)}` : exitError} ${exitedAfterMs} ms after the signal\n` +
          `  ${summarize(events)}\n  observed ${JSON.stringify(observed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n` +
          `  child stderr:\n    ${childStderr.join('\n    ') || '(none)'}`,
      );
      expect(observed).toEqual({
        daemonExitedByItself: true,
        jvmGroupGone: true,
        notesPerShard: Object.fromEntries(shards.map((shard) => [shard, 1])),
        noteSignals: [c.signal],
        shutdownRequested: shards,
        childExitCodes: [0, 0],
        ...(c.launcher === 'kcl-ts run' ? { childrenShutdownGraceEnv: [String(SHUTDOWN_GRACE_MS), String(SHUTDOWN_GRACE_MS)] } : {}),
        checkpoints: Object.fromEntries(shards.map((shard) => [shard, lastPut.get(shard)])),
      });
      expect(exitedAfterMs, 'exited well within the bound').toBeLessThan(EXIT_BOUND_MS);
      if (c.launcher === 'kcl-ts run') {
        // kcl-ts run got the signal too and still forwarded it to the JVM
        expect(proc.recentOutput()).toContain(`kcl-ts: ${c.signal}: asking the daemon to shut down`);
      }
    } finally {
      await cleanUp();
    }
  }

  for (const c of CASES) {
    const how =
      c.launcher === 'java'
        ? `java directly, ${c.signal}${c.twice ? ' twice' : ''} to the JVM's whole process group`
        : `kcl-ts run, ${c.signal} to every process of its tree`;
    it(`${how}, children run by ${c.child === 'tsx' ? 'the tsx wrapper' : 'node itself'} → shutdownRequested, last record checkpointed, exit 0`, async () => {
      await scenario(c);
    });
  }
});
