/**
 * `kcl-ts hub`: the forwarder line for users who start the daemon themselves, and running
 * an app as a hub (`hub --socket PATH -- <app>`), with its argument errors.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';
import { splitExecutable } from '../../src/host/properties/executable.js';
import { parseProperties } from '../../src/host/properties/parse.js';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLI = [process.execPath, '--import', LOADER, path.join(ROOT, 'test/harness/kcl-ts-cli.ts')];
const APP = [process.execPath, '--import', LOADER, path.join(ROOT, 'test/cli/fixtures/hub-app.ts')];
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-hub-cmd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(argv: string[], cwd = work): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: process.env, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

/** `kcl-ts hub ...` as its own process, its stderr collected. */
function hubProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(CLI[0]!, [...CLI.slice(1), 'hub', ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const line = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms: ${err}`)), timeoutMs);
      const check = () => {
        const found = err.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stderr.on('data', check);
      void exited.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`kcl-ts hub exited before a line matching ${pattern}: ${err}`));
      });
    });
  return { child, exited, line, stderr: () => err };
}

function privateDir(name: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

describe('kcl-ts hub forwarder', () => {
  it('prints one line of absolute paths, made from relative ones, that works as an executableName', async () => {
    const dir = privateDir('fwd');
    const r = await cli(['hub', 'forwarder', 'fwd/a.sock', path.join(dir, 'b.sock')]);
    expect(r.code).toBe(0);
    expect(r.out.endsWith('\n')).toBe(true);
    expect(r.out.trimEnd().split('\n')).toHaveLength(1);
    const line = r.out.trimEnd();
    // As the daemon reads it: from a properties file, split on spaces.
    const words = splitExecutable(parseProperties(`executableName = ${line}\n`).map.get('executableName')!.value);
    expect(words.join(' ')).toBe(line);
    expect(words.every((w) => path.isAbsolute(w) && !/\s/.test(w))).toBe(true);
    expect(words.slice(1)).toEqual([path.join(dir, 'a.sock'), path.join(dir, 'b.sock')]);
    accessSync(words[0]!, constants.X_OK);
  });

  it('that line run by a daemon reaches a hub started with kcl-ts hub --socket', async () => {
    const dir = privateDir('works');
    const socket = path.join(dir, 'hub.sock');
    const hub = hubProcess(['--socket', socket, '--', ...APP]);
    await hub.line(/^kcl-ts hub: ready/);
    const words = splitExecutable((await cli(['hub', 'forwarder', socket])).out.trimEnd());
    const d = FakeDaemon.spawn(words[0]!, words.slice(1), { timeoutMs: 10_000 });
    expect((await d.send({ action: 'initialize', shardId: 'shardId-000000000007', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 })).messages).toEqual([
      { action: 'status', responseFor: 'initialize' },
    ]);
    expect((await d.send(makeBatch(3))).messages).toEqual([
      { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    expect((await d.close()).exitCode).toBe(0);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses no socket, an option, the same socket twice, a path with a space and one too long, each by name', async () => {
    expect(await cli(['hub', 'forwarder'])).toMatchObject({ code: 2, err: expect.stringContaining('kcl-ts hub: missing the socket path: kcl-ts hub forwarder <socket>') });
    expect(await cli(['hub', 'forwarder', '--socket', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('hub forwarder takes socket paths only, got --socket') });
    expect(await cli(['hub', 'forwarder', '/tmp/a.sock', '/tmp/../tmp/a.sock'])).toMatchObject({ code: 2, err: expect.stringContaining('the socket /tmp/a.sock is given twice') });
    expect(await cli(['hub', 'forwarder', '/tmp/my hub.sock'])).toMatchObject({ code: 1, err: expect.stringContaining('/tmp/my hub.sock contains whitespace') });
    const long = `/tmp/${'x'.repeat(110)}.sock`;
    expect(await cli(['hub', 'forwarder', long])).toMatchObject({ code: 1, err: expect.stringContaining(`hub socket path ${long} is ${long.length} bytes`) });
  });
});

describe('kcl-ts hub --socket', () => {
  it('serves a lease session, and after SIGTERM keeps serving it until it ends, then exits 0 and removes its socket', async () => {
    const socket = path.join(privateDir('serve'), 'hub.sock');
    const hub = hubProcess(['--socket', socket, '--', ...APP]);
    const ready = await hub.line(/^kcl-ts hub: ready/);
    expect(ready).toMatch(new RegExp(`^kcl-ts hub: ready: .*hub-app\\.ts \\(pid \\d+\\) accepts lease sessions on ${socket.replace(/[.]/g, '\\.')}$`));
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    const d = FakeDaemon.connect(socket, { timeoutMs: 10_000 });
    await d.send({ action: 'initialize', shardId: 'shardId-000000000001', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    hub.child.kill('SIGTERM');
    await hub.line(/^kcl-ts: SIGTERM received: serving the open lease sessions/);
    // Still served: the daemon's graceful shutdown goes on over the open session.
    expect((await d.send(makeBatch(2))).messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
    expect((await d.send({ action: 'shutdownRequested' })).messages.at(-1)).toEqual({ action: 'status', responseFor: 'shutdownRequested' });
    expect((await d.close()).exitCode).toBe(0);
    expect(await hub.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
  });

  it('exits with the app\'s status, its stderr passed on, when the app fails before its socket accepts', async () => {
    const socket = path.join(privateDir('fails'), 'hub.sock');
    const hub = hubProcess(['--socket', socket, '--', ...APP], { HUB_APP_FAIL_AT_START: '1' });
    expect(await hub.exited).toEqual({ code: 3, signal: null });
    expect(hub.stderr()).toContain('hub-app: no database today\n');
    expect(hub.stderr()).toContain('kcl-ts hub: the app exited with status 3 before its socket accepted');
  });

  it('refuses a socket whose directory others can enter, a path that is not a socket, and a live hub\'s socket', async () => {
    const open = path.join(work, 'open');
    mkdirSync(open, { mode: 0o755 });
    const shared = await cli(['hub', '--socket', path.join(open, 'hub.sock'), '--', ...APP]);
    expect(shared).toMatchObject({ code: 1, err: expect.stringContaining(`its directory ${open} can be entered by others (mode 755)`) });

    const dir = privateDir('taken');
    writeFileSync(path.join(dir, 'file'), '');
    expect(await cli(['hub', '--socket', path.join(dir, 'file'), '--', ...APP])).toMatchObject({ code: 1, err: expect.stringContaining('the path exists and is not a socket') });

    const live = path.join(dir, 'live.sock');
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(live, resolve));
    try {
      expect(await cli(['hub', '--socket', live, '--', ...APP])).toMatchObject({ code: 1, err: expect.stringContaining('a live hub is listening there already') });
    } finally {
      server.close();
    }
  });

  it('refuses bad usage by name', async () => {
    expect(await cli(['hub'])).toMatchObject({ code: 2, err: expect.stringContaining('kcl-ts hub: missing --socket PATH') });
    expect(await cli(['hub', '--socket', '/tmp/x.sock'])).toMatchObject({ code: 2, err: expect.stringContaining('missing the app command after --') });
    expect(await cli(['hub', '--socket', '/tmp/x.sock', 'node', 'app.js'])).toMatchObject({ code: 2, err: expect.stringContaining('unexpected argument: node (the app command goes after --') });
    for (const t of ['0', 'abc', '-1', '4000']) {
      expect(await cli(['hub', '--socket', '/tmp/x.sock', `--timeout=${t}`, '--', 'node'])).toMatchObject({ code: 2, err: expect.stringContaining(`--timeout must be a number of seconds above 0 and at most 3600, got "${t}"`) });
    }
    expect(await cli(['hub', '--sockets', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--sockets'") });
  });

  it('--help explains both forms, the socket rules, and points to the docs', async () => {
    const r = await cli(['hub', '--help']);
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('kcl-ts hub forwarder <socket> [<socket>...]');
    expect(help).toContain('kcl-ts hub --socket PATH [--timeout S] -- <app command> [args...]');
    expect(help).toContain('its directory must be yours alone (mode 700');
    expect(help).toContain('at most 103 bytes');
    expect(help).toContain('docs/cli.md');
    expect((await cli(['hub', 'forwarder', '--help'])).out).toBe(r.out);
  });
});
