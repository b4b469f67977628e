/**
 * The MultiLangDaemon wire format as zod schemas, and the message types inferred from
 * them. The zod-free field table in `fields.ts` says the same, key for key, for the
 * readers that must not load zod; `test/protocol/fields.test.ts` holds the two to each
 * other.
 *
 * Daemon → child schemas are lenient about extra keys (a newer daemon may add some),
 * strict about the keys the protocol defines. Child → daemon messages are built by
 * `serialize.ts` with exactly the keys the Java side's Jackson mapper knows, because
 * it fails on unknown properties and then silently skips the line.
 */
import { z } from 'zod';

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

const RecordSchema = z.object({
  data: z.string(),
  partitionKey: z.string(),
  sequenceNumber: z.string(),
  subSequenceNumber: z.number().int().nullable().optional(),
  approximateArrivalTimestamp: nullableNumber.optional(),
  action: z.literal('record').optional(),
});
export type WireRecord = z.infer<typeof RecordSchema>;

const InitializeSchema = z.object({
  action: z.literal('initialize'),
  shardId: z.string(),
  sequenceNumber: nullableString.optional(),
  subSequenceNumber: nullableNumber.optional(),
});

const ProcessRecordsSchema = z.object({
  action: z.literal('processRecords'),
  records: z.array(RecordSchema),
  millisBehindLatest: nullableNumber.optional(),
});

const LeaseLostSchema = z.object({ action: z.literal('leaseLost') });
const ShardEndedSchema = z.object({ action: z.literal('shardEnded') });
const ShutdownRequestedSchema = z.object({ action: z.literal('shutdownRequested') });

/** KCL 1.x daemons end a lease with `shutdown` and a reason instead. */
const ShutdownReasonSchema = z.enum(['TERMINATE', 'ZOMBIE', 'REQUESTED']);
const LegacyShutdownSchema = z.object({
  action: z.literal('shutdown'),
  reason: ShutdownReasonSchema,
});

/** The daemon's answer to a checkpoint the child sent. */
const CheckpointReplySchema = z.object({
  action: z.literal('checkpoint'),
  sequenceNumber: nullableString.optional(),
  subSequenceNumber: nullableNumber.optional(),
  error: nullableString.optional(),
});

/** The daemon's messages by action: what `parseLine` checks a line with. */
export const DAEMON_SCHEMAS = {
  initialize: InitializeSchema,
  processRecords: ProcessRecordsSchema,
  leaseLost: LeaseLostSchema,
  shardEnded: ShardEndedSchema,
  shutdownRequested: ShutdownRequestedSchema,
  shutdown: LegacyShutdownSchema,
  checkpoint: CheckpointReplySchema,
} as const;

export type InitializeMessage = z.infer<typeof InitializeSchema>;
export type ProcessRecordsMessage = z.infer<typeof ProcessRecordsSchema>;
type LeaseLostMessage = z.infer<typeof LeaseLostSchema>;
type ShardEndedMessage = z.infer<typeof ShardEndedSchema>;
type ShutdownRequestedMessage = z.infer<typeof ShutdownRequestedSchema>;
type LegacyShutdownMessage = z.infer<typeof LegacyShutdownSchema>;
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

/** What reading a line from the daemon gives: a message, or an action this child does not know. */
export type ParsedMessage = DaemonMessage | UnknownActionMessage;

// Child → daemon: what this child writes, every key always (nulls included). Nothing
// parses these with zod; they declare the types, and `.strict()` says no other key.
const StatusSchema = z
  .object({ action: z.literal('status'), responseFor: z.string() })
  .strict();
const CheckpointRequestSchema = z
  .object({
    action: z.literal('checkpoint'),
    sequenceNumber: nullableString,
    subSequenceNumber: z.number().int().nullable(),
  })
  .strict();

/** The child's messages by action (for the test that holds them to the field table). */
export const CHILD_SCHEMAS = { status: StatusSchema, checkpoint: CheckpointRequestSchema } as const;
export type StatusMessage = z.infer<typeof StatusSchema>;
export type CheckpointRequest = z.infer<typeof CheckpointRequestSchema>;
export type ChildMessage = StatusMessage | CheckpointRequest;
