/**
 * Error codes a checkpoint can fail with. The daemon's codes are the simple class names
 * of the Java exceptions; the others are raised here, before anything is written.
 */
export type CheckpointErrorCode =
  | 'ThrottlingException'
  | 'KinesisClientLibDependencyException'
  | 'ShutdownException'
  | 'InvalidStateException'
  | 'IllegalArgumentException'
  /** The daemon is not waiting on this processor: the handler returned, or it cannot checkpoint now. */
  | 'CheckpointerClosed'
  /** The arguments are not a checkpoint position (caught locally, nothing sent). */
  | 'InvalidArgument'
  /** The daemon closed stdin before it answered. */
  | 'ConnectionClosed'
  | (string & {});

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    /** How many times the checkpoint was sent before giving up (0 when never sent). */
    readonly attempts = 0,
  ) {
    super(message);
  }
}

/** Transient on the daemon's side: worth another try after a pause. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ThrottlingException', 'KinesisClientLibDependencyException']);

/** The lease is no longer this worker's: no checkpoint will succeed again. */
export const LEASE_GONE_CODES: ReadonlySet<string> = new Set(['ShutdownException', 'InvalidStateException']);
