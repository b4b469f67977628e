/**
 * Reading the daemon's output for the end of its start-up. The KCL's Scheduler makes up
 * to 20 attempts to initialize (each may wait 1-30 s on an empty lease table first), logs
 * each failure, and after the last one shuts down and lets the daemon exit 0: a daemon
 * that never started looks like one that finished. This recognises the log lines of
 * that path (texts from the KCL 3.1 Java source, matched anywhere in a line, so a custom
 * logback pattern still matches) and keeps the first cause.
 *
 *   Scheduler.initialize    "Caught exception when initializing LeaseCoordinator" + exception
 *   Scheduler.run           "Unable to initialize after N attempts. Shutting down."
 *   Scheduler.run           "Initialization complete. Starting worker loop."  (started)
 *   MultiLangRunner.call    "Caught throwable while processing data" + exception
 *   submitRunnerAndWait     "Encountered an error while running daemon" + exception
 *   MultiLangDaemon.main    stack trace, message, usage, "For more information, visit: …"
 */

const STARTED = 'Initialization complete. Starting worker loop.';
const ATTEMPT_FAILED = 'Caught exception when initializing LeaseCoordinator';
const GAVE_UP = /Unable to initialize after \d+ attempts/;
/** Followed by the exception (logback prints it on the next lines). */
const FATAL_WITH_CAUSE = ['Caught throwable while processing data', 'Encountered an error while running daemon'];
/** The last line main() prints when building the daemon failed; the stack trace came before it. */
const MAIN_FAILED = 'For more information, visit: https://github.com/awslabs/amazon-kinesis-client';

/** The first line of a Java stack trace: `pkg.Class[: message]`, as Throwable.toString() writes it. */
const EXCEPTION_HEADER = /^(?:Exception in thread "[^"]*" )?(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:(?:Exception|Error|Throwable)\b.*|: .*)$/;

/** A line is cut here for the summary; a cause line can carry a whole HTTP body. */
const MAX_CAUSE = 400;

export type StartupAction =
  /** Nothing to do. */
  | undefined
  /** The daemon keeps retrying a start that failed `maxAttempts` times: end it. */
  | 'end'
  /** The daemon gave up and is exiting by itself: let it, within a bound. */
  | 'exiting';

export interface StartupFailure {
  /** The first cause line seen (or the failure's own message when no exception followed). */
  cause: string;
  /** Failed initialization attempts seen. */
  attempts: number;
  /** The daemon said it gave up (rather than being ended after `maxAttempts`). */
  gaveUp: boolean;
}

export class StartupWatch {
  private startedFlag = false;
  private attempts = 0;
  private gaveUp = false;
  private cause: string | undefined;
  /** The message whose exception is expected on the next line of that stream. */
  private pending: { stream: string; message: string } | undefined;
  private lastHeader = new Map<string, string>();
  private ended = false;

  /** `maxAttempts`: failed attempts after which the daemon is to be ended; 0: never (it gives up after 20). */
  constructor(private readonly maxAttempts: number) {}

  get started(): boolean {
    return this.startedFlag;
  }

  /** What went wrong, once a start-up failure was seen and the daemon has not started since. */
  get failure(): StartupFailure | undefined {
    if (this.startedFlag || (this.attempts === 0 && !this.gaveUp && this.cause === undefined)) return undefined;
    return { cause: this.cause ?? ATTEMPT_FAILED, attempts: this.attempts, gaveUp: this.gaveUp };
  }

  /** One line of the daemon's stdout or stderr, without its line ending. */
  line(stream: string, raw: string): StartupAction {
    if (this.startedFlag) return undefined;
    const text = raw.replace(/\r$/, '');
    const header = EXCEPTION_HEADER.test(text);
    if (this.pending && this.pending.stream === stream) {
      this.noteCause(header ? text : this.pending.message);
      this.pending = undefined;
    }
    if (header) this.lastHeader.set(stream, text);
    if (text.includes(STARTED)) {
      this.startedFlag = true;
      return undefined;
    }
    if (text.includes(ATTEMPT_FAILED)) {
      this.attempts++;
      this.pending = { stream, message: ATTEMPT_FAILED };
      if (this.maxAttempts > 0 && this.attempts >= this.maxAttempts) return this.once('end');
      return undefined;
    }
    if (GAVE_UP.test(text)) {
      this.gaveUp = true;
      return this.once('exiting');
    }
    const fatal = FATAL_WITH_CAUSE.find((m) => text.includes(m));
    if (fatal) {
      this.gaveUp = true;
      this.pending = { stream, message: fatal };
      return this.once('exiting');
    }
    if (text.includes(MAIN_FAILED)) {
      this.gaveUp = true;
      this.noteCause(this.lastHeader.get(stream) ?? 'the MultiLangDaemon could not be set up (see above)');
      return this.once('exiting');
    }
    return undefined;
  }

  private noteCause(line: string): void {
    if (this.cause !== undefined) return;
    const t = line.trim();
    this.cause = t.length > MAX_CAUSE ? `${t.slice(0, MAX_CAUSE)}…` : t;
  }

  /** Each verdict is given once: the supervisor acts on the first. */
  private once(action: Exclude<StartupAction, undefined>): StartupAction {
    if (this.ended) return undefined;
    this.ended = true;
    return action;
  }
}
