/**
 * The MultiLangDaemon wire format, declared once. Every other module imports its
 * message types from here; the TypeScript types are inferred from the schemas.
 *
 * Daemon → child schemas are lenient about extra keys (a newer daemon may add some),
 * strict about the keys the protocol defines. Child → daemon messages are built by
 * `serialize.ts` with exactly the keys the Java side's Jackson mapper knows, because
 * it fails on unknown properties and then silently skips the line.
 */
import { z } from 'zod';

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

export const RecordSchema = z.object({
  data: z.string(),
  partitionKey: z.string(),
  sequenceNumber: z.string(),
  subSequenceNumber: z.number().int().nullable().optional(),
  approximateArrivalTimestamp: nullableNumber.optional(),
  action: z.literal('record').optional(),
});
export type WireRecord = z.infer<typeof RecordSchema>;

export const InitializeSchema = z.object({
  action: z.literal('initialize'),
  shardId: z.string(),
  sequenceNumber: nullableString.optional(),
  subSequenceNumber: nullableNumber.optional(),
});

export const ProcessRecordsSchema = z.object({
  action: z.literal('processRecords'),
  records: z.array(RecordSchema),
  millisBehindLatest: nullableNumber.optional(),
});

export const LeaseLostSchema = z.object({ action: z.literal('leaseLost') });
export const ShardEndedSchema = z.object({ action: z.literal('shardEnded') });
export const ShutdownRequestedSchema = z.object({ action: z.literal('shutdownRequested') });

/** KCL 1.x daemons end a lease with `shutdown` and a reason instead. */
export const ShutdownReasonSchema = z.enum(['TERMINATE', 'ZOMBIE', 'REQUESTED']);
export const LegacyShutdownSchema = z.object({
  action: z.literal('shutdown'),
  reason: ShutdownReasonSchema,
});

/** The daemon's answer to a checkpoint the child sent. */
export const CheckpointReplySchema = z.object({
  action: z.literal('checkpoint'),
  sequenceNumber: nullableString.optional(),
  subSequenceNumber: nullableNumber.optional(),
  error: nullableString.optional(),
});

export const DaemonMessageSchema = z.discriminatedUnion('action', [
  InitializeSchema,
  ProcessRecordsSchema,
  LeaseLostSchema,
  ShardEndedSchema,
  ShutdownRequestedSchema,
  LegacyShutdownSchema,
  CheckpointReplySchema,
]);

export type InitializeMessage = z.infer<typeof InitializeSchema>;
export type ProcessRecordsMessage = z.infer<typeof ProcessRecordsSchema>;
export type LeaseLostMessage = z.infer<typeof LeaseLostSchema>;
export type ShardEndedMessage = z.infer<typeof ShardEndedSchema>;
export type ShutdownRequestedMessage = z.infer<typeof ShutdownRequestedSchema>;
export type LegacyShutdownMessage = z.infer<typeof LegacyShutdownSchema>;
export type CheckpointReply = z.infer<typeof CheckpointReplySchema>;
export type ShutdownReason = z.infer<typeof ShutdownReasonSchema>;

/** Any message the daemon sends that it then waits on a `status` for. */
export type ActionMessage =
  | InitializeMessage
  | ProcessRecordsMessage
  | LeaseLostMessage
  | ShardEndedMessage
  | ShutdownRequestedMessage
  | LegacyShutdownMessage;

/**
 * A well-formed message whose action this child does not know. The protocol still
 * wants a `status` for it, so it travels through the engine instead of being an error.
 */
export interface UnknownActionMessage {
  action: string;
  unknown: true;
}

export type DaemonMessage = ActionMessage | CheckpointReply;
export type ActionName = ActionMessage['action'];

export const KNOWN_ACTIONS: ReadonlySet<string> = new Set([
  'initialize',
  'processRecords',
  'leaseLost',
  'shardEnded',
  'shutdownRequested',
  'shutdown',
  'checkpoint',
]);

// Child → daemon. `.strict()` documents (and tests enforce) that these carry exactly
// the keys the Java `StatusMessage` / `CheckpointMessage` classes declare.
export const StatusSchema = z
  .object({ action: z.literal('status'), responseFor: z.string() })
  .strict();
export const CheckpointRequestSchema = z
  .object({
    action: z.literal('checkpoint'),
    sequenceNumber: nullableString,
    subSequenceNumber: nullableNumber,
  })
  .strict();
export type StatusMessage = z.infer<typeof StatusSchema>;
export type CheckpointRequest = z.infer<typeof CheckpointRequestSchema>;
export type ChildMessage = StatusMessage | CheckpointRequest;
