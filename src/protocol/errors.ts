/**
 * Bad input from the daemon. Fatal by design: a child that guesses keeps the daemon
 * waiting for a status it will never get, so it says what was wrong and exits.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** The action the offending line carried, when it had one. */
  readonly action: string | undefined;
  constructor(message: string, action?: string) {
    super(message);
    this.action = action;
  }
}
