/**
 * Checks a MultiLangDaemon properties file before the JVM sees it. The daemon itself
 * ignores unknown keys and turns malformed numbers into 0 and malformed booleans into
 * false without a word (commons-beanutils defaults), so most mistakes surface here or not
 * at all.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolveCommand } from '../daemon/command.js';
import path from 'node:path';
import { parsePropertiesBuffer, PropertiesSyntaxError, type ParsedProperties, type PropertyEntry } from './parse.js';
import { lookupKey, normalizeKey, type PropertyType } from './keys.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  line?: number;
  key?: string;
  message: string;
}

export interface ValidateOptions {
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

export interface ValidationResult {
  file: string;
  parsed: ParsedProperties | undefined;
  diagnostics: Diagnostic[];
  /** No error-level diagnostics. */
  ok: boolean;
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
/**
 * Short provider names the daemon resolves (it tries software.amazon.kinesis.multilang.auth.
 * and software.amazon.awssdk.auth.credentials. before the name as given); the classes of
 * those packages in the jars of KCL 3.1.3 / AWS SDK 2.x.
 */
const SHORT_PROVIDER_NAMES = [
  'DefaultCredentialsProvider',
  'EnvironmentVariableCredentialsProvider',
  'SystemPropertyCredentialsProvider',
  'ProfileCredentialsProvider',
  'ContainerCredentialsProvider',
  'InstanceProfileCredentialsProvider',
  'WebIdentityTokenFileCredentialsProvider',
  'ProcessCredentialsProvider',
  'AnonymousCredentialsProvider',
  'StaticCredentialsProvider',
  'AwsCredentialsProviderChain',
  'KclStsAssumeRoleCredentialsProvider',
];
const BOOLEAN_TRUE = ['true', 'yes', 'y', 'on', '1'];
const BOOLEAN_FALSE = ['false', 'no', 'n', 'off', '0'];

/** Format as `file:line: severity: [key] message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.file}:${d.line}` : d.file;
  const key = d.key !== undefined ? ` ${d.key}:` : '';
  return `${where}: ${d.severity}:${key} ${d.message}`;
}

/** Read, parse and validate a properties file. */
export function validatePropertiesFile(file: string, opts: Omit<ValidateOptions, 'file'> = {}): ValidationResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { file, parsed: undefined, ok: false, diagnostics: [{ severity: 'error', file, message: `cannot read: ${msg}` }] };
  }
  const diagnostics: Diagnostic[] = [];
  let parsed: ParsedProperties;
  try {
    parsed = parsePropertiesBuffer(bytes);
  } catch (err) {
    if (err instanceof PropertiesSyntaxError) {
      diagnostics.push({ severity: 'error', file, line: err.line, message: err.message });
      return { file, parsed: undefined, diagnostics, ok: false };
    }
    throw err;
  }
  // Properties.load(InputStream) reads ISO-8859-1: UTF-8 text arrives mangled.
  const lines = bytes.toString('latin1').split(/\r\n|\r|\n/);
  const entryLines = new Set<number>();
  for (const e of parsed.entries) for (let n = e.line; n <= e.endLine; n++) entryLines.add(n);
  lines.forEach((l, i) => {
    if (entryLines.has(i + 1) && /[^\x00-\x7f]/.test(l)) {
      diagnostics.push({
        severity: 'warning',
        file,
        line: i + 1,
        message:
          'non-ASCII characters: the daemon reads the file as ISO-8859-1 (UTF-8 text arrives mangled); write them as \\uXXXX escapes',
      });
    }
  });
  diagnostics.push(...validateProperties(parsed, { ...opts, file }));
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { file, parsed, diagnostics, ok: !diagnostics.some((d) => d.severity === 'error') };
}

/** Validate already-parsed properties. */
export function validateProperties(parsed: ParsedProperties, opts: ValidateOptions = {}): Diagnostic[] {
  const file = opts.file ?? '<properties>';
  const out: Diagnostic[] = [];
  const add = (severity: Severity, message: string, e?: PropertyEntry, key?: string): void => {
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

  // Required keys (MultiLangDaemonConfig, KinesisClientLibConfigurator).
  const get = (k: string): PropertyEntry | undefined => byNormalized.get(k);
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

  const exe = get('executableName');
  if (exe && opts.checkExecutable !== false) checkExecutable(exe, opts, add);

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
  return out;
}

type Add = (severity: Severity, message: string, e?: PropertyEntry, key?: string) => void;

function checkValue(e: PropertyEntry, type: PropertyType, add: Add): void {
  const v = e.value;
  const trimmed = v.trim();
  const trailing = v !== v.trimEnd();
  switch (type.kind) {
    case 'int':
    case 'long': {
      const [min, max] = type.kind === 'int' ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX];
      if (!/^[+-]?\d+$/.test(trimmed)) {
        add('error', `expected an integer, got '${v}' (the daemon would silently use 0)`, e);
      } else {
        const n = BigInt(trimmed);
        if (n < min || n > max) {
          add('error', `${trimmed} is out of range for a Java ${type.kind} (the daemon would silently use 0)`, e);
        } else if (n < 0n) {
          add('warning', `negative value ${trimmed}`, e);
        }
      }
      return;
    }
    case 'epochSeconds':
      if (!/^[+-]?\d+$/.test(trimmed)) {
        add('error', `expected a timestamp in epoch seconds (starts reading AT_TIMESTAMP), got '${v}'`, e);
      }
      return;
    case 'double':
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/.test(trimmed)) {
        add('error', `expected a number, got '${v}' (the daemon would silently use 0)`, e);
      }
      return;
    case 'boolean': {
      // BooleanConverter compares the untrimmed, lower-cased value.
      const lower = v.toLowerCase();
      if (!BOOLEAN_TRUE.includes(lower) && !BOOLEAN_FALSE.includes(lower)) {
        const why = BOOLEAN_TRUE.includes(lower.trim()) || BOOLEAN_FALSE.includes(lower.trim()) ? ' (remove the trailing whitespace)' : '';
        add('error', `expected true or false, got '${v}'${why} (the daemon would silently use false)`, e);
      }
      return;
    }
    case 'enum': {
      const upper = v.toUpperCase();
      if (!type.values.includes(upper)) {
        if (type.values.includes(upper.trim())) {
          add('error', `'${v}' has trailing whitespace, which the daemon does not strip: it fails to start`, e);
        } else if (normalizeKey(e.key) === 'initialPositionInStream' && upper.trim() === 'AT_TIMESTAMP') {
          add('error', 'AT_TIMESTAMP cannot be set here; set initialPositionInStreamExtended = <epoch seconds> instead', e);
        } else {
          add('error', `expected one of ${type.values.join(', ')}; got '${v}'`, e);
        }
      }
      return;
    }
    case 'duration':
      if (!/^P(?!$)(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/i.test(trimmed)) {
        add('error', `expected an ISO-8601 duration such as PT1H or P1D, got '${v}'`, e);
      }
      return;
    case 'tags':
      for (const pair of trimmed.split(',')) {
        if (pair.trim().split('=').length !== 2) {
          add('warning', `tag '${pair.trim()}' is not key=value; the daemon ignores it`, e);
        }
      }
      return;
    case 'endpoint': {
      let ok = false;
      try {
        const u = new URL(trimmed);
        ok = u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        ok = false;
      }
      if (!ok) add('error', `expected an http:// or https:// URL, got '${v}'`, e);
      else if (trailing) add('warning', 'trailing whitespace in the value', e);
      return;
    }
    case 'region':
      if (!/^[a-z]{2,}(-[a-z0-9]+)+-\d+$/.test(v)) {
        add('warning', `'${v}' does not look like an AWS region name (e.g. us-east-1)`, e);
      }
      return;
    case 'streamArn':
      if (trimmed && !/^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+$/.test(trimmed)) {
        add('error', `'${v}' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)`, e);
      }
      return;
    case 'credentials':
      if (!trimmed) {
        add('error', 'empty credentials provider', e);
        return;
      }
      for (const item of trimmed.split(',')) {
        const name = item.trim().split('|')[0]!.trim();
        if (!name) continue;
        if (name.startsWith('com.amazonaws.') || /AWSCredentialsProviderChain$/.test(name)) {
          add(
            'error',
            `'${name}' is an AWS SDK for Java v1 provider; KCL 3 uses SDK v2 and cannot construct it (use DefaultCredentialsProvider)`,
            e,
          );
        } else if (!name.includes('.') && !SHORT_PROVIDER_NAMES.includes(name)) {
          add(
            'warning',
            `'${name}' is not a provider the daemon finds by short name (${SHORT_PROVIDER_NAMES.join(', ')}); give a fully-qualified class name for your own`,
            e,
          );
        }
      }
      return;
    case 'noEffect':
      add('warning', `has no effect: ${type.reason}`, e);
      return;
    case 'unsettable':
      add('error', `cannot be set from a properties file: ${type.reason}`, e);
      return;
    case 'list':
    case 'string':
      if (trailing && trimmed) add('warning', 'trailing whitespace is part of the value', e);
      return;
  }
}

/** Split the way the daemon does (`command.split(" +")`). */
export function splitExecutable(command: string): string[] {
  const parts = command.split(/ +/);
  // Java's String.split drops trailing empty strings but keeps a leading one.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function checkExecutable(e: PropertyEntry, opts: ValidateOptions, add: Add): void {
  const parts = splitExecutable(e.value);
  const first = parts[0];
  if (first === undefined || first === '') {
    add(
      'error',
      e.value.trim() === ''
        ? 'empty command'
        : 'starts with a space: the daemon splits on spaces and would run an empty program name',
      e,
    );
    return;
  }
  if (/[\t]/.test(e.value)) {
    add('warning', 'contains a tab: the daemon splits only on spaces, so the tab stays inside an argument', e);
  }
  if (/["']/.test(e.value) || /\\ /.test(e.value)) {
    add('warning', 'quotes and escaped spaces are not understood: the daemon splits on every space and uses no shell', e);
  }
  if (/[$`*?~|&;<>]/.test(e.value)) {
    add('warning', 'no shell runs this command: $VARS, ~, globs, pipes and redirections are passed literally', e);
  }
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const resolved = resolveCommand(first, cwd, env);
  if (!resolved) {
    const where = first.includes('/')
      ? `${path.resolve(cwd, first)} (relative paths resolve against the daemon's working directory ${cwd})`
      : `PATH (${env['PATH'] ?? ''})`;
    add('error', `'${first}' not found: looked in ${where}`, e);
    const joined = parts.slice(0, 2).join(' ');
    if (parts.length > 1 && resolveCommand(joined, cwd, env)) {
      add('error', `'${joined}' exists: a path containing a space cannot be used, the daemon splits it into two words`, e);
    } else if (parts.length > 1 && first.includes('/') && !parts[1]!.startsWith('-')) {
      add(
        'warning',
        `'${joined}' looks like a path containing a space: the daemon splits it into '${first}' and '${parts[1]}'`,
        e,
      );
    }
  }
  if (first.includes('/') && parts.length > 1 && !resolved) return;
  // A path argument with a space split apart, e.g. "node /opt/my app/main.js".
  for (let i = 1; i + 1 < parts.length; i++) {
    const a = parts[i]!;
    if (a.includes('/') && !exists(path.resolve(cwd, a)) && exists(path.resolve(cwd, `${a} ${parts[i + 1]!}`))) {
      add('error', `'${a} ${parts[i + 1]}' looks like one path containing a space; the daemon splits it into two arguments`, e);
    }
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

export { resolveCommand } from '../daemon/command.js';

/**
 * The daemon's `timeoutInSeconds` (per-message deadline), if set to a positive integer.
 * Passed on to children as KCL_TS_TIMEOUT_SECONDS.
 */
export function getTimeoutSeconds(parsed: ParsedProperties): number | undefined {
  const e = parsed.map.get('timeoutInSeconds');
  if (!e) return undefined;
  const t = e.value.trim();
  if (!/^\+?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 && n <= Number(INT_MAX) ? n : undefined;
}
