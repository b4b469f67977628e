import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { RecordDecodeError, type KinesisRecord, type RecordProcessor, type SkippedRecords } from '../../src/index.js';
import { makeBatch } from '../../src/testing/index.js';
import { QUICK, SHARD, started } from '../helpers.js';

const Order = z.object({ id: z.string(), total: z.number().nonnegative() });
type Order = z.output<typeof Order>;

class OrderProcessor implements RecordProcessor<Order> {
  totals: number[] = [];
  processRecord(record: KinesisRecord<Order>): void {
    expectTypeOf(record.value).toEqualTypeOf<Order>();
    this.totals.push(record.value.total);
  }
}

describe('typed records', () => {
  it('record.json(schema) validates and types; record.text() and json() decode', async () => {
    const seen: unknown[] = [];
    const daemon = await started({
      processRecords({ records }) {
        const [a] = records;
        const order = a!.json(Order);
        expectTypeOf(order).toEqualTypeOf<Order>();
        seen.push(order, a!.text(), a!.json<{ id: string }>().id);
      },
    });
    await daemon.send(makeBatch(1, 0, () => ({ id: 'o-1', total: 5 })));
    expect(seen).toEqual([{ id: 'o-1', total: 5 }, '{"id":"o-1","total":5}', 'o-1']);
    await daemon.close();
  });

  it('a processor declared for a schema sees typed values via run({ schema })', async () => {
    const processor = new OrderProcessor();
    const daemon = await started(processor as RecordProcessor, { schema: Order });
    await daemon.send(makeBatch(3, 0, (i) => ({ id: `o-${i}`, total: i * 10 })));
    expect(processor.totals).toEqual([0, 10, 20]);
    await daemon.close();
  });

  it('a record that fails the schema names its shard, sequence number and path, and goes through the error policy', async () => {
    const skipped: SkippedRecords[] = [];
    const processor = new OrderProcessor();
    const batch = makeBatch(3, 0, (i) => (i === 1 ? { id: 'o-1', total: -1 } : { id: `o-${i}`, total: 1 }));
    const daemon = await started(processor as RecordProcessor, { schema: Order, errors: { ...QUICK, mode: 'skip', onSkip: (s) => void skipped.push(s) } });
    await daemon.send(batch);
    expect(processor.totals).toEqual([1, 1]);
    const error = skipped[0]!.error as RecordDecodeError;
    expect(error).toBeInstanceOf(RecordDecodeError);
    expect(error.message).toContain(`shard ${SHARD}`);
    expect(error.message).toContain(`sequence number ${batch.records[1]!.sequenceNumber}`);
    expect(error.message).toMatch(/does not match the schema at total/);
    await daemon.close();
  });

  it('a payload that is not JSON is named too', async () => {
    let caught: unknown;
    const daemon = await started({
      processRecords({ records }) {
        try {
          records[0]!.json();
        } catch (err) {
          caught = err;
        }
      },
    });
    const batch = makeBatch(1, 0, () => 'not json');
    await daemon.send(batch);
    expect((caught as Error).message).toMatch(new RegExp(`record \\(shard ${SHARD}, sequence number ${batch.records[0]!.sequenceNumber}\\): data is not JSON`));
    await daemon.close();
  });

  it('refuses a schema that is not a zod schema', async () => {
    const { FakeDaemon } = await import('../../src/testing/index.js');
    const daemon = FakeDaemon.inProcess({ processRecords: () => undefined }, { schema: {} as z.ZodType }, { timeoutMs: 2000 });
    await expect(daemon.send({ action: 'initialize', shardId: 's' })).rejects.toThrow(/closed stdout/);
    expect((await daemon.exited()).stderr).toMatch(/option schema must be a zod schema/);
  });
});
