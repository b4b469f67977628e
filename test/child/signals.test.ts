/**
 * A stop signal sent to every process at once reaches the child together with the JVM:
 * the child must keep serving the daemon's graceful shutdown and end with its input.
 */
import { describe, expect, it } from 'vitest';
import { resolveSignalGrace } from '../../src/process/signals.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const MANUAL = `${ROOT}test/child/fixtures/manual.ts`;
const INIT = { action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

function child(env: NodeJS.ProcessEnv = {}): FakeDaemon {
  return FakeDaemon.spawn(process.execPath, ['--import', 'tsx', MANUAL], { cwd: ROOT, timeoutMs: 15_000, env: { ...process.env, ...env } });
}

function signal(daemon: FakeDaemon, sig: NodeJS.Signals): void {
  process.kill(daemon.pid!, sig);
}

describe('stop signals', () => {
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${sig} (three times over): the child answers shutdownRequested with its final checkpoint, then exits 0 at the end of input`, async () => {
      const daemon = child();
      await daemon.send(INIT);
      const batch = makeBatch(5);
      await daemon.send(batch);
      signal(daemon, sig);
      signal(daemon, sig);
      // The signal is noted before the daemon's shutdown arrives (as it is when all are signalled at once).
      await expect.poll(() => daemon.stderr, { timeout: 5000 }).toContain(`kcl-ts: ${sig} received`);
      // Later signals, of any kind, change nothing (the order in which signals sent together are handled is the kernel's).
      signal(daemon, 'SIGTERM');
      signal(daemon, 'SIGINT');
      const shutdown = await daemon.send({ action: 'shutdownRequested' });
      expect(shutdown.messages).toEqual([
        { action: 'checkpoint', sequenceNumber: batch.records[4]!.sequenceNumber, subSequenceNumber: 0 },
        { action: 'status', responseFor: 'shutdownRequested' },
      ]);
      const lost = await daemon.send({ action: 'leaseLost' });
      expect(lost.messages).toEqual([{ action: 'status', responseFor: 'leaseLost' }]);
      const end = await daemon.close();
      expect(end.exitCode).toBe(0);
      expect(end.stderr.match(/received/g)).toHaveLength(1);
      expect(end.stderr).toMatch(/still serving the daemon's shutdown; exiting when stdin closes, at the latest in 60 s/);
    });
  }

  it('ends by itself, 128 + the signal number, when the daemon never ends the session', async () => {
    const daemon = child({ KCL_TS_SIGNAL_GRACE_MILLIS: '400' });
    await daemon.send(INIT);
    signal(daemon, 'SIGTERM');
    const end = await daemon.exited();
    expect(end.exitCode).toBe(143);
    expect(end.stderr).toContain('kcl-ts: fatal: the daemon has not ended the session 0.4 s after SIGTERM');
  });

  it('takes its deadline from the daemon\'s shutdownGraceMillis plus 10 s', async () => {
    const daemon = child({ KCL_TS_SHUTDOWN_GRACE_MILLIS: '5000' });
    await daemon.send(INIT);
    signal(daemon, 'SIGINT');
    await expect.poll(() => daemon.stderr, { timeout: 5000 }).toContain('at the latest in 15 s');
    expect((await daemon.close()).exitCode).toBe(0);
  });

  it('with a grace of 0, ends on the signal as Node would', async () => {
    const daemon = child({ KCL_TS_SIGNAL_GRACE_MILLIS: '0' });
    await daemon.send(INIT);
    signal(daemon, 'SIGINT');
    expect((await daemon.exited()).exitCode).toBe(130);
  });

  it('a bad grace is an error that names where it came from', async () => {
    const daemon = child({ KCL_TS_SIGNAL_GRACE_MILLIS: '10s' });
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    expect(end.stderr).toContain('kcl-ts: fatal: OptionsError: KCL_TS_SIGNAL_GRACE_MILLIS="10s" must be a whole number of milliseconds >= 0');
  });
});

describe('resolveSignalGrace', () => {
  it('prefers the option, then its own variable, then the daemon\'s grace plus 10 s, then 60 s', () => {
    expect(resolveSignalGrace(1234, { KCL_TS_SIGNAL_GRACE_MILLIS: '1', KCL_TS_SHUTDOWN_GRACE_MILLIS: '2' })).toBe(1234);
    expect(resolveSignalGrace(undefined, { KCL_TS_SIGNAL_GRACE_MILLIS: '1', KCL_TS_SHUTDOWN_GRACE_MILLIS: '2' })).toBe(1);
    expect(resolveSignalGrace(undefined, { KCL_TS_SHUTDOWN_GRACE_MILLIS: '30000' })).toBe(40_000);
    expect(resolveSignalGrace(undefined, {})).toBe(60_000);
  });

  it('refuses what is not a whole number of milliseconds', () => {
    expect(() => resolveSignalGrace(-1, {})).toThrow(/option signalGraceMillis must be a whole number of milliseconds >= 0, got -1/);
    expect(() => resolveSignalGrace(1.5, {})).toThrow(/got 1.5/);
    expect(() => resolveSignalGrace('5', {})).toThrow(/got "5"/);
    expect(() => resolveSignalGrace(undefined, { KCL_TS_SHUTDOWN_GRACE_MILLIS: 'x' })).toThrow(/KCL_TS_SHUTDOWN_GRACE_MILLIS="x"/);
  });
});
