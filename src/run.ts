/**
 * `run()`: wires a processor to the daemon over stdin/stdout and owns the process's
 * fate: exit 0 at the end of input, exit 1 with one clear line on stderr when the
 * daemon's input is bad, its end of stdout is gone, or the processor fails beyond the
 * error policy. Exiting is how a child tells the daemon to fail fast instead of waiting
 * forever. Stop signals do not end it (`child/signals.ts`): the daemon's shutdown does.
 */
import { writeSync } from 'node:fs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CheckpointPolicy } from './checkpoint/policy.js';
import { Connection } from './transport/connection.js';
import { Engine } from './engine/engine.js';
import { MemoryKeeper } from './engine/memory.js';
import { StreamMessageReader } from './transport/reader.js';
import { OutputClosedError, StreamMessageWriter, type WriteFunction } from './transport/writer.js';
import { createLogger, setLogger } from './log/logger.js';
import { guardStdout } from './transport/stdout-guard.js';
import { maskSecrets } from './log/redact.js';
import { errorExcerpt } from './log/excerpt.js';
import { resolveSignalGrace, stayThroughSignals, type SignalWatch } from './child/signals.js';
import { resolveCheckpointOption } from './checkpoint/options.js';
import { resolveErrorPolicy } from './engine/error-policy-options.js';
import { resolveHangWarning } from './engine/hang-options.js';
import { resolveMemoryOption } from './engine/memory-options.js';
import { resolveLogLevel } from './log/level.js';
import { OptionsError } from './option-checks.js';
import type { RunOptions } from './options.js';
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
  let signals: SignalWatch | undefined;
  const detailed = () => options.logger !== undefined || nonEmpty(options.logFile ?? process.env.KCL_LOG_FILE);
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
    const engine = createEngine(processor, connection, options, logger, () => reader.takeLargestLine());
    await engine.run();
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

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

function writeLine(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // stderr is gone too: the exit status is all that is left to say it.
  }
}

let failing = false;

/**
 * One line a person reads in the daemon's log (which prefixes every stderr line and
 * logs it at ERROR), and the cause cut to its message and the user's frame; the whole
 * error goes to the log file, when there is one.
 */
function fail(err: unknown, logger: Logger | undefined, detailed: boolean): never {
  if (!failing) {
    failing = true;
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    writeLine(`kcl-ts: fatal: ${maskSecrets(text.replace(/\n/g, ' '))}`);
    const cause = err instanceof Error && err.cause !== undefined && !(err instanceof OutputClosedError) ? err.cause : undefined;
    if (cause !== undefined) writeLine(`kcl-ts:   caused by ${maskSecrets(errorExcerpt(cause))}`);
    if (detailed) logger?.fatal({ err }, text);
    logger?.flush();
  }
  process.exit(1);
}

