/**
 * `run()`: wires a processor to the daemon over stdin/stdout and owns the process's
 * fate: exit 0 at the end of input, exit 1 with one clear line on stderr when the
 * daemon's input is bad, its end of stdout is gone, or the processor fails beyond the
 * error policy. Exiting is how a child tells the daemon to fail fast instead of waiting
 * forever. Stop signals do not end it (`process/signals.ts`): the daemon's shutdown does.
 */
import type { Logger } from 'pino';
import { Connection } from './transport/connection.js';
import { StreamMessageReader } from './transport/reader.js';
import { OutputClosedError, StreamMessageWriter, type WriteFunction } from './transport/writer.js';
import { createLogger, setLogger } from './log/logger.js';
import { guardStdout } from './transport/stdout-guard.js';
import { maskSecrets } from './log/redact.js';
import { detailedLogs, reportFatal, writeLine } from './process/fatal.js';
import { resolveSignalGrace, stayThroughSignals, type SignalWatch } from './process/signals.js';
import { resolveLogLevel } from './log/level.js';
import type { RunOptions } from './options.js';
import type { z } from 'zod';
import { createEngine, createMemoryKeeper } from './engine/create.js';
import { processorFactory, type ProcessorSource } from './engine/processor-source.js';
import { HUB_SOCKET_ENV, serveHub } from './hub/serve.js';
import type { ProcessorFor } from './processor.js';

/**
 * Run a processor as the MultiLangDaemon's child. With the process's own stdio (the
 * normal case) this never returns: the process exits when the daemon is done. With a
 * `schema`, the processor's records are typed by it (`record.value`).
 */
export function run<S extends z.ZodType>(processor: ProcessorFor<z.output<S>> | (() => ProcessorFor<z.output<S>>), options: RunOptions & { readonly schema: S }): Promise<void>;
export function run(processor: ProcessorFor<unknown> | (() => ProcessorFor<unknown>), options?: RunOptions): Promise<void>;
export async function run(processor: ProcessorSource, options: RunOptions = {}): Promise<void> {
  const ownProcess = options.input === undefined && options.output === undefined;
  const hubSocket = ownProcess ? process.env[HUB_SOCKET_ENV] : undefined;
  if (hubSocket !== undefined && hubSocket !== '') return runHub(processor, options, hubSocket);
  // Before anything else can print: from here on only the protocol writer reaches stdout.
  const protocolWrite: WriteFunction = ownProcess
    ? guardStdout()
    : (chunk, cb) => (options.output ?? process.stdout).write(chunk, cb);
  let logger: Logger | undefined;
  let signals: SignalWatch | undefined;
  const detailed = () => detailedLogs(options);
  try {
    const level = resolveLogLevel(options.logLevel, process.env.KCL_LOG_LEVEL);
    logger = options.logger ?? createLogger(level, options.logFile ?? process.env.KCL_LOG_FILE);
    setLogger(logger);
    if (ownProcess) {
      const log = logger;
      // Without a listener Node crashes on EPIPE with a stack trace. The failed write's own
      // callback says which message was lost, so it gets the first word.
      process.stdout.on('error', (error) => {
        setImmediate(() => fail(new OutputClosedError('stdout failed', error), log, detailed()));
      });
      if (process.stdin.isTTY !== true) {
        const graceMs = resolveSignalGrace(options.signalGraceMillis, process.env);
        signals = stayThroughSignals({
          graceMs,
          note: (line) => {
            writeLine(line);
            log.info(line);
          },
          giveUp: (line, exitCode) => {
            writeLine(maskSecrets(line));
            log.flush();
            process.exit(exitCode);
          },
        });
      }
    }
    const reader = new StreamMessageReader(options.input ?? process.stdin);
    const writer = new StreamMessageWriter(protocolWrite);
    const log = logger;
    const connection = new Connection(
      reader,
      writer,
      (reply) => log.warn({ reply }, 'a checkpoint reply arrived that nobody asked for: ignored'),
      (action) => log.debug({ action }, 'an action arrived while a checkpoint reply was awaited: kept for after this one'),
    );
    const make = processorFactory(processor, false);
    const engine = createEngine(make(), connection, options, logger, { keeper: createMemoryKeeper(options, logger), largestLine: () => reader.takeLargestLine() });
    await engine.serve();
  } catch (err) {
    if (!ownProcess) throw err;
    fail(err, logger, detailed());
  } finally {
    signals?.dispose();
  }
  if (ownProcess) {
    logger?.flush();
    process.exit(0);
  }
}

let failing = false;

function fail(err: unknown, logger: Logger | undefined, detailed: boolean): never {
  if (!failing) {
    failing = true;
    reportFatal(err, logger, detailed);
    logger?.flush();
  }
  process.exit(1);
}

/**
 * Hub mode: this process serves every lease of the worker over the Unix socket, each
 * through a forwarder the daemon runs as its child. Never returns: the hub exits when a
 * stop signal's sessions have all ended (or at the signal's deadline).
 */
async function runHub(processor: ProcessorSource, options: RunOptions, socketPath: string): Promise<void> {
  let logger: Logger | undefined;
  try {
    const level = resolveLogLevel(options.logLevel, process.env.KCL_LOG_LEVEL);
    logger = options.logger ?? createLogger(level, options.logFile ?? process.env.KCL_LOG_FILE);
    setLogger(logger);
    const factory = processorFactory(processor, true);
    const log = logger;
    await serveHub(factory, options, socketPath, logger, {
      onDrained: () => {
        log.flush();
        process.exit(0);
      },
    });
  } catch (err) {
    fail(err, logger, detailedLogs(options));
  }
  // Served until a signal ends the process: the listening socket keeps it alive.
  return new Promise<void>(() => undefined);
}
