/**
 * Secrets never reach a log: every message of `kcl-ts` and of the child goes through
 * here. Masked: values of credential-like keys (`aws_secret_access_key = …`,
 * `"secretAccessKey": "…"`, passwords, tokens), AWS access key ids, and free-standing
 * 40-character strings shaped like AWS secret keys. Over-masking a log line is cheap;
 * leaking a key is not.
 */
const KEY_VALUE =
  /((?:aws_?)?(?:secret_?access_?key|session_?token|secret|password|passwd|credentials?|token)["']?\s*(?:[=:]\s*|["']\s*:\s*["']?))([^\s"',;}&]+)/gi;
const ACCESS_KEY_ID = /\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b/g;
const SECRET_KEY = /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=]))(?=[^\s]*[a-z])(?=[^\s]*[A-Z])(?=[^\s]*[0-9/+])[A-Za-z0-9/+=]{40}/g;

export const MASK = '****';

export function maskSecrets(text: string): string {
  return text.replace(KEY_VALUE, `$1${MASK}`).replace(ACCESS_KEY_ID, `$1${MASK}`).replace(SECRET_KEY, MASK);
}

/** Object keys whose values pino replaces, at any of the first two levels. */
const SECRET_KEYS = ['secretAccessKey', 'aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'sessionToken', 'aws_session_token', 'AWS_SESSION_TOKEN', 'password', 'secret', 'token', 'credentials'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);
