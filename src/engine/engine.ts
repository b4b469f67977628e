/**
 * The engine: takes the daemon's actions one at a time, strictly in order, runs the
 * processor's handler for each, applies the checkpoint policy and the error policy,
 * and answers `status`. It sees only a `Connection`, never a stream.
 */
import type { Logger } from 'pino';
import { LeaseCheckpointer, describeTarget, type CheckpointTarget } from '../checkpoint/checkpointer.js';
import { CheckpointError, LEASE_GONE_CODES } from '../checkpoint/errors.js';
import type { CheckpointPolicy } from '../checkpoint/policy.js';
import { ProtocolError } from '../protocol/errors.js';
import type { InitializeMessage, ProcessRecordsMessage, ShutdownReason } from '../protocol/types.js';
import type { RecordContext, RecordProcessor } from '../processor.js';
import type { Connection, IncomingAction } from '../transport/connection.js';
import { OutputClosedError } from '../transport/writer.js';
import type { EngineOptions } from './engine-options.js';
import { ErrorPolicy, type FailureContext } from './error-policy.js';
import { watchAction } from './hang-warning.js';
import { LeaseProgress } from './progress.js';
import { LazyRecord } from './record.js';

export { ProcessorFailedError } from './error-policy.js';
export type { EngineOptions } from './engine-options.js';


type Phase = 'new' | 'active' | 'ended';

/** Raised inside a batch when the daemon says the lease is gone: stop, answer, move on. */
class LeaseGone extends Error {}

export class Engine {
  private phase: Phase = 'new';
  private shardId = '';
  private logger: Logger;
  private readonly checkpointer: LeaseCheckpointer;
  private readonly policy: CheckpointPolicy;
  private readonly errors: ErrorPolicy;
  private readonly progress = new LeaseProgress();
  private leaseGone = false;
  private stage = '';

  constructor(
    private readonly processor: RecordProcessor,
    private readonly connection: Connection,
    private readonly options: EngineOptions,
  ) {
    this.logger = options.logger;
    this.policy = options.policy;
    this.errors = new ErrorPolicy(options.errors);
    this.checkpointer = new LeaseCheckpointer(connection, options.checkpointRetry, {
      onCheckpointed: (target) => this.onCheckpointed(target),
      onLeaseGone: (code) => {
        if (!this.leaseGone) this.logger.warn({ code }, 'the lease is gone: no more checkpoints for it');
        this.leaseGone = true;
      },
      onRetry: (code, attempt, delayMs) => this.logger.warn({ code, attempt, delayMs }, 'checkpoint failed, retrying'),
    });
  }

  /** The lease's shard, once `initialize` has arrived ('' before). */
  get shard(): string {
    return this.shardId;
  }

  /** Resolves at the end of input; rejects with a `ProtocolError` or `ProcessorFailedError`. */
  async serve(): Promise<void> {
    while (await this.serveOne());
  }

  /**
   * One action per call: a suspended async function keeps its every register, so a loop
   * here would hold the last action (a batch and the chunks it lies in) while it waits
   * for the next, a whole batch per idle lease: ~100 MB in a hub with 64 leases.
   */
  private async serveOne(): Promise<boolean> {
    const message = await this.connection.nextAction();
    if (message === undefined) return false;
    await this.dispatch(message);
    return true;
  }

  private async dispatch(message: IncomingAction): Promise<void> {
    const watch = watchAction(message.action, this.options.hangWarningMs ?? 0, this.options.daemonTimeoutSeconds, () => this.logger);
    try {
      await this.handle(message);
    } finally {
      if (watch !== undefined) clearInterval(watch);
    }
  }

  private async handle(message: IncomingAction): Promise<void> {
    if ('unknown' in message) {
      this.logger.warn({ action: message.action }, `unknown action "${message.action}": answered with status, nothing else done`);
      return this.connection.status(message.action);
    }
    switch (message.action) {
      case 'initialize':
        await this.initialize(message);
        break;
      case 'processRecords':
        await this.processRecords(message);
        break;
      case 'leaseLost':
        await this.ending('leaseLost', () => this.leaseLost());
        break;
      case 'shardEnded':
        await this.ending('shardEnded', () => this.shardEnded());
        break;
      case 'shutdownRequested':
        await this.ending('shutdownRequested', () => this.shutdownRequested());
        break;
      case 'shutdown':
        await this.ending('shutdown', () => this.legacyShutdown(message.reason));
        break;
    }
    await this.connection.status(message.action);
    if (message.action === 'processRecords') this.options.afterBatch?.();
  }

  private async initialize(message: InitializeMessage): Promise<void> {
    if (this.phase !== 'new') {
      throw new ProtocolError(`initialize: a second initialize (for ${message.shardId}) on a lease already initialized for ${this.shardId}`, 'initialize');
    }
    this.shardId = message.shardId;
    this.logger = this.logger.child({ shardId: message.shardId });
    const seq = message.sequenceNumber ?? null;
    const sub = message.subSequenceNumber ?? null;
    this.progress.resumeFrom(seq, sub);
    this.phase = 'active';
    this.logger.info({ sequenceNumber: seq, subSequenceNumber: sub, policy: this.policy.describe() }, 'initialize');
    const { initialize } = this.processor;
    if (initialize === undefined) return;
    await this.withRetries('initialize', () =>
      initialize.call(this.processor, { shardId: message.shardId, sequenceNumber: seq, subSequenceNumber: sub, logger: this.logger }),
    );
  }

  private async processRecords(message: ProcessRecordsMessage): Promise<void> {
    if (this.phase !== 'active') {
      const why = this.phase === 'new' ? 'before initialize' : 'after the lease ended';
      throw new ProtocolError(`processRecords: arrived ${why}; its ${message.records.length} records cannot be processed safely`, 'processRecords');
    }
    const wire = message.records;
    const records = new Array<LazyRecord>(wire.length);
    for (let i = 0; i < wire.length; i++) records[i] = new LazyRecord(wire[i]!, this.shardId, this.options.schema);
    this.progress.delivered(records[records.length - 1]);
    const millisBehindLatest = message.millisBehindLatest ?? undefined;
    await this.inWindow('processRecords', async () => {
      try {
        if (this.processor.processRecord !== undefined) await this.processEach(records, millisBehindLatest);
        else await this.processBatch(records, millisBehindLatest);
      } catch (err) {
        if (err instanceof LeaseGone) return;
        throw err;
      }
      if (this.policy.due()) await this.checkpointProgress('policy');
    });
    this.progress.settle();
  }

  private async processEach(records: readonly LazyRecord[], millisBehindLatest: number | undefined): Promise<void> {
    const processRecord = this.processor.processRecord!;
    const context: RecordContext = {
      shardId: this.shardId,
      millisBehindLatest,
      checkpointer: this.checkpointer,
      logger: this.logger,
    };
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      let force: boolean | void | undefined;
      try {
        const result = processRecord.call(this.processor, record, context);
        // Only await real promises: a sync processor should not pay a microtask per record.
        force = result instanceof Promise ? await result : result;
      } catch (err) {
        const retry = () => processRecord.call(this.processor, record, context);
        force = await this.errors.recover(this.failure('processRecord'), err, { retry, remaining: () => [record] });
      }
      this.progress.processed(record);
      this.policy.recordsProcessed(1);
      if (force === true) {
        await this.checkpointProgress('processRecord returned true');
        if (this.leaseGone) throw new LeaseGone();
      }
    }
  }

  private async processBatch(records: readonly LazyRecord[], millisBehindLatest: number | undefined): Promise<void> {
    const processRecords = this.processor.processRecords!;
    let remaining = records;
    const once = () =>
      processRecords.call(this.processor, {
        shardId: this.shardId,
        records: remaining,
        millisBehindLatest,
        checkpointer: this.checkpointer,
        logger: this.logger,
      });
    try {
      const result = once();
      if (result instanceof Promise) await result;
    } catch (err) {
      await this.errors.recover(this.failure('processRecords'), err, {
        retry: once,
        // Records the processor itself checkpointed inside this batch are done.
        remaining: () => (remaining = this.progress.notCheckpointed(remaining)),
      });
    }
    this.progress.processed(records[records.length - 1]);
    this.policy.recordsProcessed(records.length);
  }

  /** Failures no retry can mend: the lease is gone, or the daemon no longer reads us. */
  private stopIfLeaseGone(err: unknown): void {
    if (err instanceof OutputClosedError) throw err;
    if (err instanceof CheckpointError && LEASE_GONE_CODES.has(err.code)) {
      this.logger.warn({ code: err.code }, 'the handler failed because the lease is gone; the next owner processes the rest');
      throw new LeaseGone();
    }
  }

  private failure(stage: string): FailureContext {
    return { stage, shardId: this.shardId, logger: this.logger, stopIf: (err) => this.stopIfLeaseGone(err) };
  }

  /** Handlers with no records to skip: retry, then fail (or, in skip mode, log and go on). */
  private async withRetries(stage: string, fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      await this.errors.recover(this.failure(stage), err, { retry: fn });
    }
  }

  /** Runs `fn` while the daemon waits on this processor, i.e. while checkpoints are possible. */
  private async inWindow(stage: string, fn: () => Promise<void>): Promise<void> {
    this.stage = stage;
    this.progress.checkpointsInWindow = 0;
    this.checkpointer.openWindow();
    try {
      await fn();
    } finally {
      await this.checkpointer.closeWindow();
      this.stage = '';
    }
  }

  private onCheckpointed(target: CheckpointTarget): void {
    this.progress.confirmed(target, this.stage);
    this.policy.checkpointed();
    this.logger.debug({ at: describeTarget(target) }, 'checkpointed');
  }

  /** Checkpoints the largest record processed, if that is past the last checkpoint. */
  private async checkpointProgress(why: string): Promise<void> {
    if (this.leaseGone) return;
    const { due, done } = this.progress.toCheckpoint();
    if (done) this.policy.checkpointed();
    if (due === null) return;
    try {
      await this.checkpointer.checkpointPosition(due);
    } catch (err) {
      // Not fatal: the records are safe, only redelivered if nothing later succeeds.
      this.logger.warn({ err, why }, 'checkpoint failed; the next one will cover these records');
    }
  }

  private async ending(action: string, fn: () => Promise<void>): Promise<void> {
    if (this.phase !== 'active') {
      const why = this.phase === 'new' ? 'before initialize' : 'after the lease ended';
      this.logger.warn({ action }, `${action} arrived ${why}: answered with status, processor not called`);
      return;
    }
    await fn();
  }

  private async leaseLost(): Promise<void> {
    this.phase = 'ended';
    const { leaseLost } = this.processor;
    if (leaseLost === undefined) return;
    try {
      await leaseLost.call(this.processor, { shardId: this.shardId, logger: this.logger });
    } catch (err) {
      // Nothing can be checkpointed any more, so nothing is gained by failing the worker.
      this.logger.error({ err }, 'leaseLost handler failed');
    }
  }

  private async shardEnded(): Promise<void> {
    this.progress.shardEndCheckpointed = false;
    await this.inWindow('shardEnded', async () => {
      const { shardEnded } = this.processor;
      if (shardEnded !== undefined) {
        await this.withRetries('shardEnded', () =>
          shardEnded.call(this.processor, { shardId: this.shardId, checkpointer: this.checkpointer, logger: this.logger }),
        );
      }
      if (this.progress.shardEndCheckpointed || this.leaseGone) return;
      try {
        await this.checkpointer.checkpoint();
      } catch (err) {
        this.logger.error({ err }, 'could not checkpoint the shard end: the KCL will not start its child shards until it is');
      }
    });
    this.phase = 'ended';
  }

  private async shutdownRequested(): Promise<void> {
    await this.inWindow('shutdownRequested', async () => {
      const { shutdownRequested } = this.processor;
      if (shutdownRequested !== undefined) {
        await this.withRetries('shutdownRequested', () =>
          shutdownRequested.call(this.processor, { shardId: this.shardId, checkpointer: this.checkpointer, logger: this.logger }),
        );
      }
      // The processor "handles it" by checkpointing itself; manual policy means the same.
      if (this.progress.checkpointsInWindow > 0 || this.policy.manual) return;
      await this.checkpointProgress('shutdownRequested');
    });
  }

  private async legacyShutdown(reason: ShutdownReason): Promise<void> {
    if (reason === 'ZOMBIE') return this.leaseLost();
    if (reason === 'TERMINATE') return this.shardEnded();
    return this.shutdownRequested();
  }
}
