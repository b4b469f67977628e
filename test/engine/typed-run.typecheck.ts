// Type-level checks for run()'s schema overload (compiled by `npm run typecheck`, never run).
import { z } from 'zod';
import { run, type KinesisRecord, type RecordProcessor } from '../../src/index.js';

const Order = z.object({ id: z.string(), total: z.number() });

class OrderProcessor implements RecordProcessor<z.output<typeof Order>> {
  processRecord(record: KinesisRecord<z.output<typeof Order>>): void {
    const total: number = record.value.total;
    void total;
  }
}

export function typed(): Promise<void> {
  return run(new OrderProcessor(), { schema: Order });
}

export function untyped(): Promise<void> {
  return run({ processRecords: ({ records }) => void records.map((r) => r.value) });
}
