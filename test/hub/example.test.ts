/**
 * examples/hub-shared-pool.ts run as a hub, three lease sessions under FakeDaemon.connect:
 * the sink (its connection pool) is shared by every lease, while each lease's count, last
 * record and checkpoints stay its own, also through a failed request that the engine retries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';
import { accepting, spawnHub, stopHub, type HubProcess } from './spawn-hub.js';

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

let hub: HubProcess | undefined;
let server: Server | undefined;

afterEach(async () => {
  stopHub(hub);
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  hub = server = undefined;
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

describe('examples/hub-shared-pool.ts as a hub', () => {
  it('shares one connection pool among three leases; counts, last records and checkpoints stay per lease', async () => {
    const endpoint = await startEndpoint(shard(1));
    const h = (hub = spawnHub('examples/hub-shared-pool.ts', { SINK_URL: endpoint.url, SINK_CONNECTIONS: '1' }));
    await accepting(h);
    const socket = h.socket;

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
    h.proc.kill('SIGTERM');
    expect(await h.exited).toBe(0);

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
    const stderr = h.stderr();
    for (const line of stderr.trim().split('\n')) {
      expect(line).toMatch(/^kcl-ts: (warn shardId-00000000000[012]: processRecords failed; retrying .* answered 503|SIGTERM received: serving the open lease sessions)/);
    }
    expect(stderr).toContain(`warn ${shard(1)}: processRecords failed`);
  });
});
