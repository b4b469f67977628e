/**
 * The hub mode's forwarders, native (forwarder.c as scripts/build-forwarder.mjs builds it)
 * and Node (node-forwarder.ts), held to one contract: real processes, a real Unix socket
 * in a temporary folder, the hub played by a socket server in this process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FORWARDER_DIR,
  formatExecutableName,
  locateForwarder,
  nativeForwarderPath,
} from '../../src/hub/forwarder/locate.js';
import { Forwarder, HubStandIn, randomBytes, type Session } from './forwarder-harness.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(path.join(tmpdir(), 'kcl-ts-fwd-'));
/** A folder laid out as dist/hub/forwarder with only the Node forwarder in it. */
const nodeOnlyDir = path.join(work, 'node-only');
const nodeScript = path.join(nodeOnlyDir, 'node-forwarder.js');
let native = '';

beforeAll(() => {
  // The host target is built the way `npm run build` builds it (a no-op when up to date).
  const said = execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-forwarder.mjs'), '--host'], { encoding: 'utf8' });
  native = nativeForwarderPath();
  const located = locateForwarder(path.join(work, 'x.sock'), { dir: DEFAULT_FORWARDER_DIR });
  if (located.kind !== 'native') throw new Error(`the native forwarder was not built: ${said}`);
  // The Node forwarder as tsc emits it (types erased, same module), so that this file
  // tests the source rather than a possibly stale dist.
  mkdirSync(nodeOnlyDir);
  const source = readFileSync(path.join(ROOT, 'src/hub/forwarder/node-forwarder.ts'), 'utf8');
  const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(nodeScript, out.outputText);
  writeFileSync(path.join(nodeOnlyDir, 'package.json'), '{"type":"module"}');
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

let count = 0;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function socketPath(): string {
  return path.join(work, `hub-${++count}.sock`);
}

async function hub(socket: string, options: { pauseOnConnect?: boolean } = {}): Promise<HubStandIn> {
  const h = await HubStandIn.listen(socket, options);
  cleanups.push(() => h.close());
  return h;
}

const variants = [
  { name: 'native', argv: (socket: string) => [native, socket] },
  { name: 'node', argv: (socket: string) => [process.execPath, nodeScript, socket] },
];

describe.each(variants)('the $name forwarder', ({ argv }) => {
  function forwarder(socket: string): Forwarder {
    const f = new Forwarder(argv(socket));
    cleanups.push(() => f.kill());
    return f;
  }

  /** A forwarder connected to a fresh hub stand-in, with its session there. */
  async function connected(): Promise<{ f: Forwarder; session: Session }> {
    const socket = socketPath();
    const h = await hub(socket);
    const f = forwarder(socket);
    return { f, session: await h.session() };
  }

  it('carries 20 MB of binary bytes each way at once, unchanged', async () => {
    const { f, session } = await connected();
    const up = randomBytes(20 << 20); // every byte value, NUL included: nothing is scanned this way
    const down = randomBytes(20 << 20, true);
    session.socket.write(down);
    await f.write(up);
    f.child.stdin.end();
    expect((await session.ended).equals(up)).toBe(true);
    const got = await f.stdoutAtLeast(down.length);
    session.socket.end();
    const exit = await f.exited;
    expect(got.length).toBe(down.length);
    expect(got.equals(down)).toBe(true);
    expect(exit).toMatchObject({ code: 0, signal: null, stderr: '' });
  });

  it('keeps forwarding stdin while its stdout is not being read', async () => {
    const { f, session } = await connected();
    f.child.stdout.pause();
    session.socket.write(randomBytes(8 << 20, true)); // far more than the pipes hold
    const up = randomBytes(4 << 20);
    await f.write(up);
    expect((await session.receivedAtLeast(up.length)).equals(up)).toBe(true);
    f.child.stdout.resume();
    await f.stdoutAtLeast(8 << 20);
    f.child.stdin.end();
    await session.ended;
    session.socket.end();
    expect((await f.exited).code).toBe(0);
  });

  it('half-closes the socket on stdin EOF; the hub can still send, and its close ends the process with 0', async () => {
    const { f, session } = await connected();
    await f.write('{"action":"leaseLost"}\n');
    f.child.stdin.end();
    expect((await session.ended).toString()).toBe('{"action":"leaseLost"}\n');
    session.socket.end('{"action":"status","responseFor":"leaseLost"}\n');
    const exit = await f.exited;
    expect(exit.stdout.toString()).toBe('{"action":"status","responseFor":"leaseLost"}\n');
    expect(exit.code).toBe(0);
  });

  it('exits 1 with a line naming the hub when the hub ends a session the daemon has not, after writing out everything it sent', async () => {
    const { f, session } = await connected();
    const down = randomBytes(5 << 20, true);
    session.socket.end(down); // stdin stays open: a hub that stops or dies ends the session first
    const exit = await f.exited;
    expect(exit.code).toBe(1);
    expect(exit.stdout.equals(down)).toBe(true);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(/the hub at .*hub-\d+\.sock ended the session before the daemon did/);
  });

  it.each([1, 3, 255, 0])('exits with the code byte of the frame NUL + %i, after the bytes before it; bytes after it are dropped', async (code) => {
    const { f, session } = await connected();
    session.socket.write('{"action":"status","responseFor":"processRecords"}\n');
    session.socket.end(Buffer.from([0, code, 0x7b, 0x0a]));
    const exit = await f.exited;
    expect(exit.code).toBe(code);
    expect(exit.stdout.toString()).toBe('{"action":"status","responseFor":"processRecords"}\n');
  });

  it('takes the code byte from a later read when the NUL ends one', async () => {
    const { f, session } = await connected();
    session.socket.write('last\n\0');
    await f.stdoutAtLeast(5); // the NUL went out in the same read as the line
    session.socket.end(Buffer.from([7]));
    const exit = await f.exited;
    expect(exit).toMatchObject({ code: 7 });
    expect(exit.stdout.toString()).toBe('last\n');
  });

  it('exits 1 on a NUL with no code byte before EOF', async () => {
    const { f, session } = await connected();
    session.socket.end('x\0');
    const exit = await f.exited;
    expect(exit.code).toBe(1);
    expect(exit.stdout.toString()).toBe('x');
  });

  it('ignores SIGTERM, SIGINT and SIGHUP and goes on forwarding both ways', async () => {
    const { f, session } = await connected();
    let sent = 0;
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      f.child.kill(signal);
      await f.write(`after ${signal}\n`);
      sent += `after ${signal}\n`.length;
      await session.receivedAtLeast(sent);
      session.socket.write(`${signal} seen\n`);
      await f.stdoutAtLeast(f.stdout().length + `${signal} seen\n`.length);
    }
    expect(session.received().toString()).toBe('after SIGTERM\nafter SIGINT\nafter SIGHUP\n');
    expect(f.stdout().toString()).toBe('SIGTERM seen\nSIGINT seen\nSIGHUP seen\n');
    expect(f.child.exitCode).toBe(null);
    f.child.stdin.end();
    await session.ended;
    session.socket.end();
    expect(await f.exited).toMatchObject({ code: 0, signal: null });
  });

  it('when its stdout is closed, still forwards stdin and exits when the hub closes', async () => {
    const { f, session } = await connected();
    f.child.stdout.destroy();
    session.socket.write(randomBytes(1 << 20, true)); // meets EPIPE on the way out: dropped
    await f.write('still here\n');
    expect((await session.receivedAtLeast(11)).toString()).toBe('still here\n');
    f.child.stdin.end();
    await session.ended;
    session.socket.end();
    expect((await f.exited).code).toBe(0);
  });

  it('waits for a hub that starts late', async () => {
    const socket = socketPath();
    const f = forwarder(socket);
    await new Promise((r) => setTimeout(r, 100)); // the first tries find no socket
    const h = await hub(socket);
    const session = await h.session();
    await f.write('hello\n');
    expect((await session.receivedAtLeast(6)).toString()).toBe('hello\n');
    f.child.stdin.end();
    await session.ended;
    session.socket.end();
    expect((await f.exited).code).toBe(0);
  });

  it('exits 1 naming the socket path when there is no socket', async () => {
    const socket = path.join(work, 'absent', 'hub.sock');
    const exit = await forwarder(socket).exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(socket);
    expect(exit.stderr).toMatch(/ENOENT|No such file/);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 naming the socket path when the socket refuses (a dead hub left it)', async () => {
    const socket = socketPath();
    const listener = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`]);
    await once(listener.stdout, 'data');
    listener.kill('SIGKILL'); // the socket file stays behind, with nobody listening
    await once(listener, 'close');
    const exit = await forwarder(socket).exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(socket);
    expect(exit.stderr).toMatch(/ECONNREFUSED|Connection refused/);
  });

  it('exits 2 with a usage line when given no socket path', async () => {
    const f = new Forwarder(argv('a').slice(0, -1));
    const exit = await f.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/usage: kcl-ts-forwarder <hub socket path> \[<hub socket path>\.\.\.\]/);
  });

  /** Three hub stand-ins and the argv of a forwarder given all three sockets. */
  async function threeHubs(): Promise<{ hubs: HubStandIn[]; sockets: string[]; several: string[] }> {
    const sockets = [socketPath(), socketPath(), socketPath()];
    const hubs = await Promise.all(sockets.map((s) => hub(s)));
    return { hubs, sockets, several: [...argv(sockets[0]!).slice(0, -1), ...sockets] };
  }

  it('given several sockets, sends each lease to the next hub in turn', async () => {
    const { hubs, sockets, several } = await threeHubs();
    const served = servedBy(hubs, 6);
    for (let i = 0; i < 6; i++) {
      const f = new Forwarder(several);
      cleanups.push(() => f.kill());
      await f.write(Buffer.from([i]));
      f.child.stdin.end();
      // one after the other, as a daemon starting leases does
      expect((await f.exited).code).toBe(0);
    }
    expect(await served).toEqual([0, 1, 2, 0, 1, 2]);
    expect(readFileSync(`${sockets[0]}.turns`, 'utf8')).toBe('\n'.repeat(6));
  });

  it('given several sockets and no turn file it can write, picks by its pid', async () => {
    const { hubs, sockets, several } = await threeHubs();
    mkdirSync(`${sockets[0]}.turns`); // a directory: the append fails
    const served = servedBy(hubs, 3);
    const forwarders: Forwarder[] = [];
    for (let i = 0; i < 3; i++) {
      const f = new Forwarder(several);
      cleanups.push(() => f.kill());
      forwarders.push(f);
      await f.write(Buffer.from([i]));
      f.child.stdin.end();
    }
    for (const f of forwarders) expect((await f.exited).code).toBe(0);
    expect(await served).toEqual(forwarders.map((f) => f.child.pid! % 3));
  });
});

/**
 * Which hub each of `total` sessions arrived at, indexed by the one byte its forwarder
 * sent first; each session is ended once that byte is in.
 */
function servedBy(hubs: HubStandIn[], total: number): Promise<number[]> {
  const at: number[] = new Array<number>(total).fill(-1);
  let seen = 0;
  return new Promise((resolve, reject) => {
    for (const [i, h] of hubs.entries()) {
      void (async () => {
        while (seen < total) {
          const session = await h.session();
          const id = (await session.ended)[0]!; // the forwarder's stdin ended after its one byte
          at[id] = i;
          session.socket.end();
          if (++seen === total) resolve(at);
        }
      })().catch(reject);
    }
  });
}

describe('the native forwarder given several sockets at once', () => {
  it('spreads leases started together evenly: no two take the same turn', async () => {
    const sockets = [socketPath(), socketPath()];
    const hubs = await Promise.all(sockets.map((s) => hub(s)));
    const forwarders = Array.from({ length: 40 }, (_, i) => {
      const f = new Forwarder([native, ...sockets]);
      cleanups.push(() => f.kill());
      void f.write(Buffer.from([i])).then(() => f.child.stdin.end());
      return f;
    });
    const served = await servedBy(hubs, 40);
    for (const f of forwarders) expect((await f.exited).code).toBe(0);
    expect([0, 1].map((hub) => served.filter((h) => h === hub).length)).toEqual([20, 20]);
  });
});

describe('locateForwarder', () => {
  it('picks the native forwarder built for this platform and arch', () => {
    const located = locateForwarder('relative.sock');
    expect(located).toEqual({ kind: 'native', argv: [native, path.resolve('relative.sock')] });
    expect(native).toBe(path.join(ROOT, 'dist/hub/forwarder', `${process.platform}-${process.arch}`, 'kcl-ts-forwarder'));
  });

  it('falls back to the Node forwarder, with one warning naming its cost and the fix, when the binary is absent', async () => {
    const socket = socketPath();
    const located = locateForwarder(socket, { dir: nodeOnlyDir });
    const looked = path.join(nodeOnlyDir, `${process.platform}-${process.arch}`, 'kcl-ts-forwarder');
    expect(located.kind).toBe('node');
    expect(located.argv).toEqual([process.execPath, nodeScript, socket]);
    expect(located.warning).toContain('~8 MB PSS per lease');
    expect(located.warning).toContain('under 0.1 MB native');
    expect(located.warning).toContain(`${looked}: not built`);
    expect(located.warning).toContain(`-o ${looked} ${path.join(nodeOnlyDir, 'forwarder.c')}`);
    expect(located.warning).not.toContain('\n');

    // and that command really forwards
    const h = await hub(socket);
    const f = new Forwarder(located.argv);
    cleanups.push(() => f.kill());
    const session = await h.session();
    await f.write('ping\n');
    f.child.stdin.end();
    await session.ended;
    session.socket.end('pong\n');
    expect(await f.exited).toMatchObject({ code: 0, stdout: Buffer.from('pong\n') });
  });

  it('falls back, saying so, when the binary is there but not executable', () => {
    const dir = path.join(work, 'not-executable');
    const target = path.join(dir, `${process.platform}-${process.arch}`);
    mkdirSync(target, { recursive: true });
    copyFileSync(native, path.join(target, 'kcl-ts-forwarder'));
    chmodSync(path.join(target, 'kcl-ts-forwarder'), 0o644);
    copyFileSync(nodeScript, path.join(dir, 'node-forwarder.js'));
    const located = locateForwarder('/tmp/x.sock', { dir });
    expect(located.kind).toBe('node');
    expect(located.warning).toContain('not executable');
  });

  it('looks for the platform and arch it is given', () => {
    const located = locateForwarder('/tmp/x.sock', { dir: nodeOnlyDir, platform: 'freebsd', arch: 'riscv64' });
    expect(located.kind).toBe('node');
    expect(located.warning).toContain(`no native forwarder for freebsd-riscv64 (${path.join(nodeOnlyDir, 'freebsd-riscv64', 'kcl-ts-forwarder')}`);
  });

  it('takes KCL_TS_FORWARDER first, and refuses one that cannot run', () => {
    expect(locateForwarder('/tmp/x.sock', { dir: nodeOnlyDir, env: { KCL_TS_FORWARDER: native } })).toEqual({ kind: 'native', argv: [native, '/tmp/x.sock'] });
    expect(() => locateForwarder('/tmp/x.sock', { env: { KCL_TS_FORWARDER: '/nonexistent/fwd' } })).toThrow('KCL_TS_FORWARDER=/nonexistent/fwd: /nonexistent/fwd cannot be run: not built');
  });

  it('passes several sockets on in order, each made absolute', () => {
    expect(locateForwarder(['a.sock', '/tmp/b.sock'])).toEqual({ kind: 'native', argv: [native, path.resolve('a.sock'), '/tmp/b.sock'] });
    expect(locateForwarder(['/tmp/a.sock', '/tmp/b.sock'], { dir: nodeOnlyDir }).argv).toEqual([process.execPath, nodeScript, '/tmp/a.sock', '/tmp/b.sock']);
    expect(() => locateForwarder([])).toThrow('no hub socket path');
  });

  it('refuses a socket path too long for a Unix socket address', () => {
    const long = `/tmp/${'s'.repeat(120)}.sock`;
    expect(() => locateForwarder(long)).toThrow(`hub socket path ${long} is ${long.length} bytes`);
    expect(() => locateForwarder(['/tmp/a.sock', long])).toThrow(`hub socket path ${long} is ${long.length} bytes`);
  });

  it('throws naming both paths when neither forwarder exists', () => {
    const empty = path.join(work, 'empty');
    expect(() => locateForwarder('/tmp/x.sock', { dir: empty })).toThrow(path.join(empty, 'node-forwarder.js'));
  });
});

describe('formatExecutableName', () => {
  it('joins the words with one space', () => {
    expect(formatExecutableName(['/opt/kcl-ts/kcl-ts-forwarder', '/run/app/hub.sock'])).toBe('/opt/kcl-ts/kcl-ts-forwarder /run/app/hub.sock');
    expect(formatExecutableName(locateForwarder('/tmp/x.sock').argv)).toBe(`${native} /tmp/x.sock`);
  });

  it('refuses a word with whitespace, naming it, since the daemon splits on spaces', () => {
    expect(() => formatExecutableName(['/opt/kcl-ts/fwd', '/home/Jane Doe/hub.sock'])).toThrow(/^\/home\/Jane Doe\/hub\.sock contains whitespace/);
    expect(() => formatExecutableName(['/opt/my app/fwd', '/tmp/hub.sock'])).toThrow('/opt/my app/fwd contains whitespace');
    expect(() => formatExecutableName(['/opt/fwd', '/tmp/a\tb.sock'])).toThrow('contains whitespace');
  });

  it('refuses a relative program, an empty command and a backslash', () => {
    expect(() => formatExecutableName(['fwd', '/tmp/hub.sock'])).toThrow('fwd is not an absolute path');
    expect(() => formatExecutableName([])).toThrow('empty command');
    expect(() => formatExecutableName(['/opt/fwd', 'C:\\hub.sock'])).toThrow('backslash');
  });
});
