/**
 * What `kcl-ts run --help` tells users about stopping the daemon (issue 11): the children
 * survive a signal sent to every process, so the help no longer asks for KillMode=mixed.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands/run.js';

describe('kcl-ts run --help on signals', () => {
  const help = runCommand.help.replace(/\s+/g, ' ');

  it('says signals to kcl-ts are forwarded and the third kills the JVM', () => {
    expect(help).toContain('SIGINT, SIGTERM and SIGHUP sent to kcl-ts are forwarded to the JVM');
    expect(help).toContain('a third signal kills the JVM');
  });

  it('says a signal to every process at once is fine, and why', () => {
    expect(help).toContain("A signal sent to every process at once is fine too, e.g. by systemd's default KillMode=control-group");
    expect(help).toContain("the shard children keep serving the daemon's shutdown until their stdin closes");
    expect(help).not.toMatch(/use KillMode=mixed|reaches kcl-ts alone/);
  });

  it('says a graceful stop needs shutdownGraceMillis, and names what the children are told', () => {
    expect(help).toContain('A graceful stop needs shutdownGraceMillis');
    expect(help).toContain('KCL_TS_TIMEOUT_SECONDS and KCL_TS_SHUTDOWN_GRACE_MILLIS');
  });
});
