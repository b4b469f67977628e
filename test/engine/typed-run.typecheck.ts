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

// A processor written for one schema must not compile with another, nor without one.
const Refund = z.object({ refundId: z.string() });

export function wrongSchema(): Promise<void> {
  // @ts-expect-error OrderProcessor reads Order records; the schema makes Refund records
  return run(new OrderProcessor(), { schema: Refund });
}

export function noSchema(): Promise<void> {
  // @ts-expect-error without a schema record.value is unknown, not an Order
  return run(new OrderProcessor());
}

// A processor for any record (the default) still runs with a schema.
class AnyProcessor implements RecordProcessor {
  processRecords(): void {}
}

export function anyWithSchema(): Promise<void> {
  return run(new AnyProcessor(), { schema: Order });
}

// Factories (one processor per lease, hub mode) are typed the same way.
export function typedFactory(): Promise<void> {
  return run(() => new OrderProcessor(), { schema: Order });
}

export function untypedFactory(): Promise<void> {
  return run(() => new AnyProcessor(), { checkpoint: { everyRecords: 10 } });
}

export function wrongSchemaFactory(): Promise<void> {
  // @ts-expect-error the factory makes Order processors; the schema makes Refund records
  return run(() => new OrderProcessor(), { schema: Refund });
}

export function noSchemaFactory(): Promise<void> {
  // @ts-expect-error without a schema record.value is unknown, not an Order
  return run(() => new OrderProcessor());
}

export function notAProcessorFactory(): Promise<void> {
  // @ts-expect-error a factory must return a processor
  return run(() => 42);
}
