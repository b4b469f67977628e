/**
 * The rules over a whole properties file: duplicates, unknown keys, required keys, and
 * the settings that parse but would misbehave (a fixed thread pool, no graceful stop).
 * Each value is checked against its type in values.ts, executableName in executable.ts.
 */
import type { Diagnostic, Report } from './diagnostic.js';
import { checkExecutable, type ExecutableContext } from './executable.js';
import { lookupKey, normalizeKey } from './keys.js';
import type { ParsedProperties, PropertyEntry } from './parse.js';
import { checkValue } from './values.js';

export interface ValidateOptions extends ExecutableContext {
  /** Shown in diagnostics; default '<properties>'. */
  file?: string;
  /**
   * Working directory the daemon will run in: the first word of `executableName` is
   * resolved against it (and PATH) exactly as java.lang.ProcessBuilder would. Default
   * process.cwd().
   */
  cwd?: string;
  /** Environment whose PATH resolves a bare command name; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Set false to skip the executable lookup (e.g. validating for another machine). */
  checkExecutable?: boolean;
}

/** Validate already-parsed properties. */
export function validateProperties(parsed: ParsedProperties, opts: ValidateOptions = {}): Diagnostic[] {
  const file = opts.file ?? '<properties>';
  const out: Diagnostic[] = [];
  const add: Report = (severity, message, e, key) => {
    const d: Diagnostic = { severity, file, message };
    if (e) d.line = e.line;
    if (key ?? e?.key) d.key = key ?? e!.key;
    out.push(d);
  };

  // Duplicates: java.util.Properties keeps the last.
  const seen = new Map<string, PropertyEntry>();
  for (const e of parsed.entries) {
    const prev = seen.get(e.key);
    if (prev) add('warning', `also set on line ${prev.line}; the last value (this line) wins`, e);
    seen.set(e.key, e);
  }

  // Several spellings of awsCredentialsProvider normalise to one bean property.
  const byNormalized = new Map<string, PropertyEntry>();
  for (const e of parsed.map.values()) {
    const n = normalizeKey(e.key);
    const prev = byNormalized.get(n);
    if (prev && prev.key !== e.key) {
      add('warning', `'${prev.key}' (line ${prev.line}) sets the same property; which one wins is unspecified`, e);
    }
    byNormalized.set(n, e);
  }

  for (const e of parsed.map.values()) {
    const found = lookupKey(e.key);
    if (!found.known) {
      const hint = found.suggestion ? `; did you mean '${found.suggestion}'?` : '';
      const caseHint =
        found.suggestion && found.suggestion.toLowerCase() === e.key.toLowerCase() ? ' (keys are case-sensitive)' : '';
      add('warning', `unknown key, the daemon ignores it${caseHint}${hint}`, e);
      continue;
    }
    checkValue(e, found.type, add);
  }

  const get = (k: string): PropertyEntry | undefined => byNormalized.get(k);
  checkRequired(get, add);

  const exe = get('executableName');
  if (exe && opts.checkExecutable !== false) checkExecutable(exe, opts, add);

  checkMisbehaving(get, add);
  return out;
}

/** MultiLangDaemonConfig and KinesisClientLibConfigurator refuse to start without these. */
function checkRequired(get: (k: string) => PropertyEntry | undefined, add: Report): void {
  const present = (k: string): boolean => (get(k)?.value.trim() ?? '') !== '';
  if (!get('executableName')) add('error', 'missing: the command the daemon runs for each shard, e.g. "node dist/app.js"', undefined, 'executableName');
  if (!present('applicationName')) add('error', 'missing: names the application (and its DynamoDB lease table)', undefined, 'applicationName');
  if (!present('streamName') && !present('streamArn')) {
    add('error', 'missing: set streamName or streamArn', undefined, 'streamName');
  }
  if (!get('awsCredentialsProvider')) {
    add(
      'error',
      'missing: the daemon refuses to start without it ("A basic set of AWS credentials must be provided"); e.g. AwsCredentialsProvider = DefaultCredentialsProvider',
      undefined,
      'AwsCredentialsProvider',
    );
  }
  if (present('streamName') && present('streamArn')) {
    add('warning', 'both streamName and streamArn are set; the stream name from the ARN is used', get('streamName'));
  }
}

/** Values of the right type that the daemon accepts but that would go wrong at run time. */
function checkMisbehaving(get: (k: string) => PropertyEntry | undefined, add: Report): void {
  const maxThreads = get('maxActiveThreads');
  if (maxThreads && /^\s*[+-]?\d+\s*$/.test(maxThreads.value) && Number(maxThreads.value) > 0) {
    add(
      'warning',
      "a fixed thread pool: every child keeps pool threads busy for its whole lease (its stderr is drained all the time), so with more shards than threads some children stall; leave it unset (0) unless you cap the shards per worker",
      maxThreads,
    );
  }

  const timeout = get('timeoutInSeconds');
  if (timeout && /^\s*[+-]?\d+\s*$/.test(timeout.value) && Number(timeout.value) <= 0) {
    add('error', 'must be positive: the daemon would time out (and halt) on every wait for a child', timeout);
  }

  const grace = get('shutdownGraceMillis');
  if (!grace || /^\s*[+-]?0*\s*$/.test(grace.value)) {
    add(
      'warning',
      'shutdownGraceMillis is not set: on SIGTERM the daemon stops at once, children get no shutdownRequested (no final checkpoint) and the next start waits for the leader lock; 30000 is a reasonable value',
      grace,
      'shutdownGraceMillis',
    );
  }
}
