/**
 * `run()`: wires a processor to the daemon over stdin/stdout and owns the process's
 * fate: exit 0 at the end of input, exit 1 with one clear line on stderr when the
 * daemon's input is bad or the processor fails beyond the error policy. Exiting is
 * how a child tells the daemon to fail fast instead of waiting forever.
 */
import { writeSync } from 'node:fs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CheckpointPolicy } from './checkpoint/policy.js';
import { Connection } from './transport/connection.js';
import { Engine } from './engine/engine.js';
import { MemoryKeeper } from './engine/memory.js';
import { StreamMessageReader } from './transport/reader.js';
import { StreamMessageWriter, type WriteFunction } from './transport/writer.js';
import { createLogger, setLogger } from './log/logger.js';
import { guardStdout } from './transport/stdout-guard.js';
import { maskSecrets } from './log/redact.js';
import { OptionsError, resolveCheckpointOption, resolveErrorPolicy, resolveHangWarning, resolveLogLevel, resolveMemoryOption, type RunOptions } from './options.js';
import type { ProcessorFor, RecordProcessor } from './processor.js';

export function checkProcessor(processor: unknown): asserts processor is RecordProcessor {
  if (processor === null || typeof processor !== 'object') {
    throw new OptionsError(`run() needs a processor object, got ${processor === null ? 'null' : typeof processor}`);
  }
  const p = processor as Record<string, unknown>;
  const batch = typeof p.processRecords === 'function';
  const each = typeof p.processRecord === 'function';
  if (!batch && !each) throw new OptionsError('the processor has neither processRecords(input) nor processRecord(record): implement one');
  if (batch && each) throw new OptionsError('the processor has both processRecords and processRecord: implement only one');
}

function checkSchema(schema: unknown): z.ZodType | undefined {
  if (schema === undefined) return undefined;
  if (schema === null || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new OptionsError('option schema must be a zod schema (something with safeParse)');
  }
  return schema as z.ZodType;
}

/**
 * Builds the engine for a processor; the host supplies the connection, and with
 * `largestLine` (how big the batch just answered was) gets the memory upkeep.
 */
export function createEngine(processor: RecordProcessor<never>, connection: Connection, options: RunOptions, logger: Logger, largestLine?: () => number): Engine {
  checkProcessor(processor);
  const memory = resolveMemoryOption(options.memory);
  const keeper = largestLine !== undefined && (memory.collectAfterBatchBytes > 0 || memory.youngGenerationMB > 0)
    ? new MemoryKeeper(memory.collectAfterBatchBytes, memory.youngGenerationMB, logger)
    : undefined;
  const checkpoint = resolveCheckpointOption(options.checkpoint);
  const hang = resolveHangWarning(options.hangWarningSeconds, process.env.KCL_TS_TIMEOUT_SECONDS);
  return new Engine(processor, connection, {
    hangWarningMs: hang.everyMs,
    daemonTimeoutSeconds: hang.daemonTimeoutSeconds,
    policy: new CheckpointPolicy(checkpoint.policy),
    checkpointRetry: checkpoint.retry,
    errors: resolveErrorPolicy(options.errors),
    logger,
    schema: checkSchema(options.schema),
    afterBatch: keeper === undefined ? undefined : () => keeper.afterBatch(largestLine!()),
  });
}

/**
 * Run a processor as the MultiLangDaemon's child. With the process's own stdio (the
 * normal case) this never returns: the process exits when the daemon is done. With a
 * `schema`, the processor's records are typed by it (`record.value`).
 */
export function run<S extends z.ZodType>(processor: ProcessorFor<z.output<S>>, options: RunOptions & { readonly schema: S }): Promise<void>;
export function run(processor: ProcessorFor<unknown>, options?: RunOptions): Promise<void>;
export async function run(processor: RecordProcessor<never>, options: RunOptions = {}): Promise<void> {
  const ownProcess = options.input === undefined && options.output === undefined;
  // Before anything else can print: from here on only the protocol writer reaches stdout.
  const protocolWrite: WriteFunction = ownProcess
    ? guardStdout()
    : (chunk, cb) => (options.output ?? process.stdout).write(chunk, cb);
  let logger: Logger | undefined;
  try {
    const level = resolveLogLevel(options.logLevel, process.env.KCL_LOG_LEVEL);
    logger = options.logger ?? createLogger(level, options.logFile ?? process.env.KCL_LOG_FILE);
    setLogger(logger);
    const reader = new StreamMessageReader(options.input ?? process.stdin);
    const writer = new StreamMessageWriter(protocolWrite);
    const log = logger;
    const connection = new Connection(reader, writer, (reply) =>
      log.warn({ reply }, 'a checkpoint reply arrived that nobody asked for: ignored'),
    );
    const engine = createEngine(processor, connection, options, logger, () => reader.takeLargestLine());
    await engine.run();
  } catch (err) {
    if (!ownProcess) throw err;
    fail(err, logger);
  }
  if (ownProcess) {
    logger?.flush();
    process.exit(0);
  }
}

function fail(err: unknown, logger: Logger | undefined): never {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const cause = err instanceof Error && err.cause instanceof Error && err.cause.stack ? `\n  caused by ${err.cause.stack.split('\n').slice(0, 4).join('\n  ')}` : '';
  // One line a human reads in the daemon's log (which prefixes every stderr line).
  writeSync(2, `kcl-ts: fatal: ${maskSecrets(text.replace(/\n/g, ' '))}\n`);
  if (cause !== '' && process.env.KCL_LOG_FILE === undefined) writeSync(2, `kcl-ts: ${maskSecrets(cause.trim())}\n`);
  logger?.fatal({ err }, text);
  logger?.flush();
  process.exit(1);
}
