/**
 * The sample consumer: logs each record's payload and lets the engine checkpoint every
 * 1,000 records or 60 seconds, whichever comes first. Run it under the daemon with
 * `executableName = node --import tsx examples/sample-consumer.ts` (see properties/sample.properties).
 *
 * Set SAMPLE_OUTPUT to a file path to have every record appended there as a JSON line
 * (shard, sequence number, sub-sequence number, payload): the tests read it.
 */
import { appendFileSync } from 'node:fs';
import { run, type InitializeInput, type ProcessRecordsInput, type RecordProcessor, type ShardEndedInput } from 'kcl-ts';

class SampleProcessor implements RecordProcessor {
  private shardId = '';
  private readonly output = process.env.SAMPLE_OUTPUT;

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
    input.logger.info({ from: input.sequenceNumber }, 'starting');
  }

  processRecords(input: ProcessRecordsInput): void {
    let lines = '';
    for (const record of input.records) {
      const text = record.text();
      lines += `${JSON.stringify({ shardId: this.shardId, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber, partitionKey: record.partitionKey, data: text })}\n`;
    }
    if (this.output !== undefined && lines !== '') appendFileSync(this.output, lines);
    input.logger.debug({ records: input.records.length, millisBehindLatest: input.millisBehindLatest }, 'batch');
  }

  leaseLost(): void {
    // Another worker owns the shard now: nothing to checkpoint.
  }

  shardEnded(input: ShardEndedInput): void {
    // The engine checkpoints the shard end after this returns.
    input.logger.info('shard ended');
  }
}

await run(new SampleProcessor(), { checkpoint: { everyRecords: 1000, everySeconds: 60 } });
