/**
 * Hub mode: one process serves every lease of a worker. The daemon still starts one
 * child per lease, but that child is a forwarder (`hub/forwarder/`) that joins its
 * stdin/stdout to this process's Unix socket; each connection is one lease session with
 * its own processor (from the factory) and its own engine, exactly as a child would run
 * it. Sessions share nothing but the process: bad input, a processor failure or a
 * forwarder killed mid-batch ends that session alone. A session that fails tells its
 * forwarder to exit 1 (the exit frame), so the daemon reacts as it does to a dying child.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { createEngine, createMemoryKeeper } from '../engine/create.js';
import type { RunOptions } from '../options.js';
import { reportFatal, detailedLogs, writeLine } from '../process/fatal.js';
import { resolveSignalGrace, stayThroughSignals } from '../process/signals.js';
import type { RecordProcessor } from '../processor.js';
import { Connection } from '../transport/connection.js';
import { StreamMessageReader } from '../transport/reader.js';
import { listenUnixSocket } from '../transport/unix-socket.js';
import { StreamMessageWriter } from '../transport/writer.js';
import { exitFrame } from './exit-frame.js';

export { HUB_SOCKET_ENV } from './socket-env.js';

export interface HubHandle {
  readonly server: Server;
  /** Open sessions right now. */
  readonly sessions: () => number;
  /** Sessions served so far, ended or not. */
  readonly served: () => number;
  /** Stop accepting and end every session's socket (tests). */
  close(): Promise<void>;
}

export interface HubOptions {
  /** Called when the hub has nothing left to do after a stop signal (default: exit 0). */
  readonly onDrained?: () => void;
  /** Install the stop-signal handling (default true; tests in one process say false). */
  readonly signals?: boolean;
}

/** Listens on `socketPath` and serves each connection as one lease session. */
export async function serveHub(
  factory: () => RecordProcessor<never>,
  options: RunOptions,
  socketPath: string,
  logger: Logger,
  hub: HubOptions = {},
): Promise<HubHandle> {
  // Per process, not per session: V8's heap is the process's.
  const keeper = createMemoryKeeper(options, logger);
  const open = new Set<Socket>();
  let served = 0;
  let draining = false;
  const onDrained = hub.onDrained ?? (() => process.exit(0));
  const detailed = detailedLogs(options);

  const serve = (socket: Socket): void => {
    served++;
    open.add(socket);
    // A forwarder killed mid-batch resets the connection: that ends its session, nothing else.
    socket.on('error', (err) => logger.debug({ err }, 'a lease socket failed'));
    const reader = new StreamMessageReader(socket);
    const writer = new StreamMessageWriter((chunk, cb) => socket.write(chunk, cb), "the lease's forwarder is gone");
    const connection = new Connection(
      reader,
      writer,
      (reply) => logger.warn({ reply }, 'a checkpoint reply arrived that nobody asked for: ignored'),
      (action) => logger.debug({ action }, 'an action arrived while a checkpoint reply was awaited: kept for after this one'),
    );
    let shard = '';
    const session = (async () => {
      let processor: RecordProcessor<never>;
      try {
        processor = factory();
      } catch (err) {
        throw new Error(`the processor factory failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const engine = createEngine(processor, connection, options, logger, { keeper, largestLine: () => reader.takeLargestLine() });
      try {
        await engine.serve();
      } finally {
        shard = engine.shard;
      }
    })();
    session.then(
      () => socket.end(),
      (err: unknown) => {
        reportFatal(err, logger, detailed, shard === '' ? 'a lease session before initialize: ' : `${shard}: `);
        // The forwarder exits 1: the daemon sees what it sees when a child dies.
        if (!socket.destroyed) socket.end(exitFrame(1));
      },
    ).finally(() => {
      open.delete(socket);
      if (draining && open.size === 0) onDrained();
    });
  };

  // Signals first: a stop that comes while the socket is being made must not kill the hub.
  let server: Server | undefined;
  if (hub.signals !== false) {
    const graceMs = resolveSignalGrace(options.signalGraceMillis, process.env);
    stayThroughSignals({
      graceMs,
      serving: 'serving the open lease sessions until the daemon ends them; no new ones',
      note: (line) => writeLine(line),
      giveUp: (line, exitCode) => {
        writeLine(`${line} (${open.size} session(s) still open)`);
        logger.flush();
        process.exit(exitCode);
      },
      onFirst: () => {
        draining = true;
        // Stops accepting and removes the socket file; open sessions go on.
        server?.close();
        if (open.size === 0) onDrained();
      },
    });
  }

  const listening = await listenUnixSocket(socketPath, serve);
  server = listening;
  listening.on('error', (err) => logger.error({ err }, 'the hub socket failed'));
  if (draining) listening.close();

  return {
    server: listening,
    sessions: () => open.size,
    served: () => served,
    close: async () => {
      await new Promise<void>((resolve) => listening.close(() => resolve()));
      for (const socket of open) socket.destroy();
    },
  };
}
