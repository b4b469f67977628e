/**
 * The wire format as data: for every message, its keys, which may be missing or null,
 * and what each holds. The zod-free readers and writers all take their keys and checks
 * from here (the exact checks of `exact-parse.ts`, the batch scanner, `serialize.ts`,
 * the fake daemon's strict parser; the test builders their record type), so adding a
 * field is one edit here and one in the zod schemas of `types.ts`;
 * `test/protocol/fields.test.ts` holds the two to each other.
 * Zod-free on purpose: the hot path reads this and must not load zod.
 *
 * Every message also has `action`, its name; it is not listed again below.
 */

/**
 * What a value holds: a JSON string; a finite JSON number; a whole one (a safe integer
 * where the reader is zod); an array of records (`RECORD_FIELDS`); or, as an array,
 * exactly one of those strings.
 */
export type WireType = 'string' | 'number' | 'integer' | 'records' | readonly string[];

export interface Field {
  readonly type: WireType;
  /** `null` is a value it may hold. */
  readonly nullable: boolean;
  /** The reader refuses a message without it. */
  readonly required: boolean;
  /**
   * Child messages only: the Java side knows the key (a line with it is not skipped),
   * but it means nothing coming from the child, so the child never writes it.
   */
  readonly ignored: boolean;
}

/** A message's or a record's fields, by key. */
export type Fields = { readonly [key: string]: Field };

type Flag = 'optional' | 'nullable' | 'ignored';

function field(type: WireType, ...flags: Flag[]): Field {
  return { type, nullable: flags.includes('nullable'), required: !flags.includes('optional'), ignored: flags.includes('ignored') };
}

/** A record of a `processRecords` batch, its keys in the order the daemon writes them. */
export const RECORD_FIELDS = {
  data: field('string'),
  partitionKey: field('string'),
  sequenceNumber: field('string'),
  approximateArrivalTimestamp: field('number', 'optional', 'nullable'),
  subSequenceNumber: field('integer', 'optional', 'nullable'),
  action: field(['record'], 'optional'),
} as const satisfies Fields;

/**
 * Daemon → child, by action. Its reader (this child) is lenient about keys it does
 * not know (a newer daemon may add some) and exact about these.
 */
export const DAEMON_MESSAGES = {
  initialize: {
    shardId: field('string'),
    sequenceNumber: field('string', 'optional', 'nullable'),
    subSequenceNumber: field('number', 'optional', 'nullable'),
  },
  processRecords: {
    records: field('records'),
    millisBehindLatest: field('number', 'optional', 'nullable'),
  },
  leaseLost: {},
  shardEnded: {},
  shutdownRequested: {},
  /** KCL 1.x daemons end a lease with `shutdown` and a reason instead. */
  shutdown: {
    reason: field(['TERMINATE', 'ZOMBIE', 'REQUESTED']),
  },
  /** The daemon's answer to a checkpoint the child sent. */
  checkpoint: {
    sequenceNumber: field('string', 'optional', 'nullable'),
    subSequenceNumber: field('number', 'optional', 'nullable'),
    error: field('string', 'optional', 'nullable'),
  },
} as const satisfies { readonly [action: string]: Fields };

/**
 * Child → daemon, by action: the properties of the Java `StatusMessage` /
 * `CheckpointMessage` classes. The daemon's Jackson mapper skips a line with any other
 * key and then waits forever; a key it knows but finds missing it reads as null. The
 * child writes every key that is not `ignored`, nulls included.
 */
export const CHILD_MESSAGES = {
  status: {
    responseFor: field('string'),
  },
  checkpoint: {
    sequenceNumber: field('string', 'optional', 'nullable'),
    subSequenceNumber: field('integer', 'optional', 'nullable'),
    error: field('string', 'optional', 'nullable', 'ignored'),
  },
} as const satisfies { readonly [action: string]: Fields };

export type DaemonAction = keyof typeof DAEMON_MESSAGES;
