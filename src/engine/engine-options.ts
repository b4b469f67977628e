/** What an engine is built with: every option already resolved (`create.ts`). */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BackoffOptions } from '../checkpoint/backoff.js';
import type { CheckpointPolicy } from '../checkpoint/policy.js';
import type { ResolvedErrorPolicy } from './error-policy-options.js';

export interface EngineOptions {
  readonly policy: CheckpointPolicy;
  readonly checkpointRetry: BackoffOptions;
  readonly errors: ResolvedErrorPolicy;
  readonly logger: Logger;
  /** Decodes `record.value`. */
  readonly schema?: z.ZodType;
  /** Warn (and repeat) when one action takes longer than this; 0 turns it off. */
  readonly hangWarningMs?: number;
  /** The daemon's `timeoutInSeconds`, when known, for the warning's text. */
  readonly daemonTimeoutSeconds?: number;
  /** Called once a batch's status is written, while the child waits for the daemon (memory upkeep). */
  readonly afterBatch?: () => void;
}
