/**
 * Hub mode's other point beside memory: the processors of every lease of a worker live in
 * one process, so they can share what is costly to have once per lease. Here every lease
 * sends its records to one HTTP endpoint through one shared sink: a keep-alive connection
 * pool (SINK_CONNECTIONS sockets for the whole worker, not per shard) and a batcher that
 * merges the records of all leases arriving within SINK_LINGER_MS into one request. What
 * belongs to a lease stays in its own processor: its shard, how many records it has sent
 * and the last one, which each record names as `previous` so that the endpoint can check
 * every shard's chain (a gap, or a restart from an older checkpoint, shows there).
 *
 * Each lease resolves processRecords only once the endpoint has acknowledged its records,
 * so the engine's checkpoints (every 30 s, and at shutdown) never pass a record the
 * endpoint does not have; a failed request fails the batch of every lease in it, and the
 * engine retries each from its first record, with the lease's state as it was. The same file runs as a child (one lease, one pool) without
 * hub mode; in hub mode it must give run() a factory, one processor per lease:
 *
 *   npx kcl-ts run --hub --properties properties/hub.properties
 *
 * SINK_URL: where batches are POSTed as {"items":[{shardId, n, sequenceNumber, subSequenceNumber, previous, data}]}
 * (default http://127.0.0.1:8080/records); SINK_CONNECTIONS (default 4); SINK_BATCH:
 * records per request at most before it is sent at once (default 500); SINK_LINGER_MS (default 20).
 */
import { Agent, request } from 'node:http';
import { run, type InitializeInput, type ProcessRecordsInput, type RecordProcessor } from 'kcl-ts';

interface Item {
  readonly shardId: string;
  /** This lease's count: 1 for its first record, 2 for the next … */
  readonly n: number;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  /** The sequence number of the lease's record before this one; null for its first. */
  readonly previous: string | null;
  readonly data: string;
}

interface Waiting {
  readonly items: readonly Item[];
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** One per process: what every lease's processor shares. */
class SharedSink {
  private readonly agent: Agent;
  private queue: Waiting[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: URL,
    connections: number,
    private readonly maxItems: number,
    private readonly lingerMs: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Resolves once a request carrying `items` has been answered 2xx; rejects if it failed. */
  send(items: readonly Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (this.queued >= this.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.queue;
    this.queue = [];
    this.queued = 0;
    const body = JSON.stringify({ items: waiting.flatMap((w) => w.items) });
    this.post(body).then(
      () => waiting.forEach((w) => w.resolve()),
      (err: Error) => waiting.forEach((w) => w.reject(err)),
    );
  }

  private post(body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`${this.url.href} answered ${status}`));
        });
      });
      req.on('error', (err) => reject(new Error(`${this.url.href}: ${err.message}`)));
      req.end(body);
    });
  }
}

/** One per lease: its own shard, count and last record sent; the sink is everyone's. */
class LeaseProcessor implements RecordProcessor {
  private shardId = '';
  private sent = 0;
  private previous: string | null = null;

  constructor(private readonly sink: SharedSink) {}

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
  }

  async processRecords({ records }: ProcessRecordsInput): Promise<void> {
    const items: Item[] = [];
    let n = this.sent;
    let previous = this.previous;
    for (const r of records) {
      items.push({ shardId: this.shardId, n: ++n, sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber, previous, data: r.text() });
      previous = r.sequenceNumber;
    }
    await this.sink.send(items);
    // Only now: if the request failed, the engine retries this batch with the state as it was.
    this.sent = n;
    this.previous = previous;
  }
}

const positive = (name: string, fallback: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${text}: expected a positive integer`);
  return value;
};

const sink = new SharedSink(
  new URL(process.env.SINK_URL ?? 'http://127.0.0.1:8080/records'),
  positive('SINK_CONNECTIONS', 4),
  positive('SINK_BATCH', 500),
  positive('SINK_LINGER_MS', 20),
);

await run(() => new LeaseProcessor(sink), { checkpoint: { everySeconds: 30 } });
