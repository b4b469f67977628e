/**
 * examples/hub-shared-pool.ts run as a hub, three lease sessions under FakeDaemon.connect:
 * the sink (its connection pool) is shared by every lease, while each lease's count, last
 * record and checkpoints stay its own, also through a failed request that the engine retries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'examples/hub-shared-pool.ts');
const shard = (i: number) => `shardId-${String(i).padStart(12, '0')}`;

interface Item {
  shardId: string;
  n: number;
  sequenceNumber: string;
  subSequenceNumber: number;
  previous: string | null;
  data: string;
}
/** What the endpoint received: each request's items, the TCP connection it came on, and its answer. */
interface Received {
  connection: number;
  items: Item[];
  status: number;
}

let dir: string | undefined;
let hub: ChildProcess | undefined;
let server: Server | undefined;

afterEach(async () => {
  hub?.kill('SIGKILL');
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  hub = server = dir = undefined;
});

/**
 * An endpoint on 127.0.0.1 that records every request, numbering connections as they
 * open, and answers 503 to the first request that holds a record of `failFor`.
 */
async function startEndpoint(failFor: string): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  let connections = 0;
  const ids = new WeakMap<object, number>();
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const items = (JSON.parse(body) as { items: Item[] }).items;
      const fail = !received.some((r) => r.status === 503) && items.some((it) => it.shardId === failFor);
      received.push({ connection: ids.get(req.socket)!, items, status: fail ? 503 : 200 });
      res.statusCode = fail ? 503 : 200;
      res.end(fail ? 'try again' : 'ok');
    });
  });
  server.on('connection', (socket) => ids.set(socket, ++connections));
  // Keep-alive outlasts the test, so that a second connection could only come from a second pool.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`, received };
}

async function accepting(socket: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(socket);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the example did not listen on ${socket} within 15 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('examples/hub-shared-pool.ts as a hub', () => {
  it('shares one connection pool among three leases; counts, last records and checkpoints stay per lease', async () => {
    const endpoint = await startEndpoint(shard(1));
    dir = mkdtempSync(join(tmpdir(), 'kcl-ts-example-'));
    const socket = join(dir, 'hub.sock');
    const proc = spawn(process.execPath, ['--import', 'tsx', EXAMPLE], {
      cwd: ROOT,
      env: { ...process.env, KCL_TS_HUB_SOCKET: socket, SINK_URL: endpoint.url, SINK_CONNECTIONS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    await accepting(socket, () => stderr);

    const leases = [0, 1, 2].map(() => FakeDaemon.connect(socket, { timeoutMs: 10_000 }));
    await Promise.all(leases.map((d, i) => d.send({ action: 'initialize', shardId: shard(i), sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 })));
    // The same sequence numbers in every shard, as may be: they are per shard.
    const batches = [makeBatch(4, 0, (k) => `r${k}`), makeBatch(3, 4, (k) => `r${k}`)];
    for (const batch of batches) {
      const answers = await Promise.all(leases.map((d, i) => d.send({ ...batch, records: batch.records.map((r) => ({ ...r, data: Buffer.from(`${i}:${Buffer.from(r.data, 'base64').toString()}`).toString('base64') })) })));
      for (const a of answers) expect(a.messages.at(-1)).toEqual({ action: 'status', responseFor: 'processRecords' });
    }

    // Shutdown: each lease checkpoints its own last record.
    const last = batches[1]!.records.at(-1)!.sequenceNumber;
    for (const d of leases) {
      const exchange = await d.send({ action: 'shutdownRequested' });
      expect(exchange.messages).toEqual([
        { action: 'checkpoint', sequenceNumber: last, subSequenceNumber: 0 },
        { action: 'status', responseFor: 'shutdownRequested' },
      ]);
      expect(exchange.replies[0]!.error).toBeNull();
    }
    for (const d of leases) expect((await d.close()).exitCode).toBe(0);
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);

    // The first request with lease 1's records failed; the engine retried each batch in it.
    expect(endpoint.received.filter((r) => r.status === 503)).toHaveLength(1);
    const items = endpoint.received.filter((r) => r.status === 200).flatMap((r) => r.items);
    const sequences = [...batches[0]!.records, ...batches[1]!.records].map((r) => r.sequenceNumber);
    for (const i of [0, 1, 2]) {
      const mine = items.filter((it) => it.shardId === shard(i));
      // Every record of the lease, once, in order, numbered by the lease's own counter.
      expect(mine.map((it) => it.sequenceNumber)).toEqual(sequences);
      expect(mine.map((it) => it.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(mine.map((it) => it.previous)).toEqual([null, ...sequences.slice(0, -1)]);
      expect(mine.map((it) => it.data)).toEqual(sequences.map((_, k) => `${i}:r${k}`));
    }
    expect(items).toHaveLength(21);
    // One pool for the whole hub: with one socket allowed, one connection carried every
    // lease's requests (the server keeps it open; a failed request does not close it).
    expect(new Set(endpoint.received.map((r) => r.connection))).toEqual(new Set([1]));
    // stderr: the retries, each logged for its own lease, and the stop signal noted once.
    for (const line of stderr.trim().split('\n')) {
      expect(line).toMatch(/^kcl-ts: (warn shardId-00000000000[012]: processRecords failed; retrying .* answered 503|SIGTERM received: serving the open lease sessions)/);
    }
    expect(stderr).toContain(`warn ${shard(1)}: processRecords failed`);
  });
});
