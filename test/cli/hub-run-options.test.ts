/**
 * `kcl-ts run`'s hub-mode options: bad values refused by name before anything starts,
 * a properties file with no app command to run as the hub refused before any download,
 * and the help saying how to choose the number of hubs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';

const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-hub-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { ...process.env, KCL_TS_CACHE_DIR: path.join(work, 'no-cache') }, cwd: work };
  return { code: await main(['run', ...argv], io), out, err };
}

describe('kcl-ts run --hub / --hubs / --hub-timeout', () => {
  it('refuses --hubs 0 and every other value that is not a whole number from 1 to 256, naming the option', async () => {
    for (const bad of ['0', '-1', '1.5', 'two', '', '257', '1e2']) {
      const r = await run([`--hubs=${bad}`, '-p', 'app.properties']);
      expect(r.code, bad).toBe(2);
      expect(r.err).toContain(`kcl-ts run: --hubs must be a whole number from 1 to 256 (one hub per busy core), got ${JSON.stringify(bad)}`);
    }
    expect((await run(['--hubs'])).err).toMatch(/Option '--hubs <value>' argument missing/);
  });

  it('refuses a bad --hub-timeout, and --hub-timeout without hub mode', async () => {
    for (const bad of ['0', 'soon', '-5', '3601']) {
      const r = await run(['--hub', `--hub-timeout=${bad}`, '-p', 'app.properties']);
      expect(r.code, bad).toBe(2);
      expect(r.err).toContain(`--hub-timeout must be a number of seconds above 0 and at most 3600, got ${JSON.stringify(bad)}`);
    }
    expect(await run(['--hub-timeout=5', '-p', 'app.properties'])).toMatchObject({ code: 2, err: expect.stringContaining('--hub-timeout is for hub mode: add --hub (or --hubs N)') });
  });

  it('refuses, before any download, a file whose executableName already runs the forwarder', async () => {
    const file = path.join(work, 'fwd.properties');
    writeFileSync(file, 'executableName = /opt/kcl-ts/dist/hub/forwarder/linux-x64/kcl-ts-forwarder /run/hub.sock\nstreamName = s\n');
    const r = await run(['--hub', '--no-validate', '-p', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:1: executableName already runs the hub forwarder; with --hub it must be the app's own command`);
    expect(r.err).not.toContain('download');
  });

  it('refuses a file with no executableName (unvalidated) by name', async () => {
    const file = path.join(work, 'none.properties');
    writeFileSync(file, 'streamName = s\n');
    const r = await run(['--hubs', '2', '--no-validate', '-p', file]);
    expect(r).toMatchObject({ code: 1, err: expect.stringContaining(`${file}: no executableName: hub mode runs that command as the hub`) });
  });

  it('--help describes hub mode and how to choose --hubs', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('kcl-ts run --hub [--hubs N] --properties <file.properties> [options]');
    expect(help).toContain('--hubs N run N hubs (implies --hub; default 1)');
    expect(help).toContain('Choose about one hub per core that the processors keep busy');
    expect(help).toContain('your file is never written');
    expect(help).toContain('If a hub dies while the daemon runs, kcl-ts says so, stops the daemon and exits 1');
    expect(help).toContain('docs/cli.md');
  });
});
