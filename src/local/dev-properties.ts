/**
 * The properties `kcl-ts dev` runs the daemon with: a temporary copy of the user's file
 * (never the file itself) pointed at the stand-ins, its processor behind the tap.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { normalizeKey } from '../host/properties/keys.js';
import type { ParsedProperties } from '../host/properties/parse.js';

/** Set whatever the file says: without these the daemon would not run against the stand-ins. */
function forced(endpoints: { kinesis: string; dynamodb: string }): [string, string, string][] {
  return [
    ['kinesisEndpoint', endpoints.kinesis, 'the stand-ins'],
    ['dynamoDBEndpoint', endpoints.dynamodb, 'the stand-ins'],
    ['awsCredentialsProvider', 'DefaultCredentialsProvider', 'local credentials from the environment'],
    ['regionName', 'us-east-1', "the stand-ins' region"],
    ['metricsLevel', 'NONE', 'no CloudWatch stand-in'],
    ['retrievalMode', 'POLLING', 'what kinesis-local serves'],
    ['initialPositionInStream', 'TRIM_HORIZON', 'every record produced is read'],
    // The lease table is created beforehand, so the daemon may skip its slow first sync.
    ['skipShardSyncAtWorkerInitializationIfLeasesExist', 'true', 'start in seconds'],
  ];
}

/** Set only when the file does not: short timings for a quick start, a graceful stop. */
const DEFAULTS: [string, string][] = [
  ['shutdownGraceMillis', '20000'],
  ['shardSyncIntervalMillis', '2000'],
  ['failoverTimeMillis', '5000'],
  ['leaseAssignmentIntervalMillis', '2000'],
  ['workerMetricsReporterFreqInMillis', '2000'],
  ['idleTimeBetweenReadsInMillis', '250'],
];

/** Keys whose value would send the daemon elsewhere than the stand-ins. */
const DROPPED = ['streamArn', 'initialPositionInStreamExtended', 'awsCredentialsProviderDynamoDB', 'awsCredentialsProviderCloudWatch'];

/**
 * True when a check of the user's file about `key` does not apply to kcl-ts dev's run:
 * the copy sets or drops the key whatever the file says (a missing AwsCredentialsProvider,
 * a FANOUT retrieval mode), or the check is about the key being absent (`onALine` false)
 * and the copy fills it in (no shutdownGraceMillis).
 */
export function isMootForDev(key: string, onALine: boolean): boolean {
  const k = normalizeKey(key);
  if (DROPPED.includes(k) || forced({ kinesis: '', dynamodb: '' }).some(([f]) => f === k)) return true;
  return !onALine && DEFAULTS.some(([d]) => d === k);
}

export interface DevProperties {
  /** The file's text (ISO-8859-1 safe: only ASCII, the rest escaped). */
  text: string;
  streamName: string;
  applicationName: string;
  /** The user's command, as the daemon would run it without the tap. */
  executableName: string;
  shutdownGraceMillis: number;
  /** What differs from the user's file, one short phrase each. */
  changes: string[];
}

function escape(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\f') out += '\\f';
    else if ((c === ' ' && (isKey || i === 0)) || (isKey && (c === '=' || c === ':' || c === '#' || c === '!'))) out += `\\${c}`;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** The stream's name from a `streamArn` (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`). */
export function streamNameFromArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([A-Za-z0-9_.-]+)$/.exec(arn.trim());
  return m?.[1];
}

function normalized(parsed: ParsedProperties): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, e] of parsed.map) entries.set(normalizeKey(key), e.value);
  return entries;
}

/** The stream the stand-in creates and the lease table's name, from the user's file. */
export function devNames(parsed: ParsedProperties, source: string): { streamName: string; applicationName: string; fromArn: boolean } {
  const entries = normalized(parsed);
  const arn = entries.get('streamArn')?.trim();
  let streamName = entries.get('streamName')?.trim();
  const fromArn = arn !== undefined && arn !== '';
  if (fromArn) {
    streamName = streamNameFromArn(arn);
    if (streamName === undefined) throw new Error(`${source}: streamArn ${arn} is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)`);
  }
  if (streamName === undefined || streamName === '') throw new Error(`${source}: no streamName (or streamArn): which stream should the stand-in create?`);
  const applicationName = entries.get('applicationName')?.trim();
  if (applicationName === undefined || applicationName === '') throw new Error(`${source}: no applicationName (it names the lease table)`);
  // The daemon would fail on these only after its start-up, in a stack trace.
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(applicationName)) {
    throw new Error(`${source}: applicationName "${applicationName}" cannot name the lease table: DynamoDB table names are 3 to 255 characters of A-Z a-z 0-9 _ - .`);
  }
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(streamName)) {
    throw new Error(`${source}: streamName "${streamName}" is not a Kinesis stream name: 1 to 128 characters of A-Z a-z 0-9 _ - .`);
  }
  return { streamName, applicationName, fromArn };
}

/** The words that start the tap (tap-main) before the user's command. */
export function tapWords(eventsDir: string): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Run from source (the repository's tests): the tap is TypeScript too.
    const loader = pathToFileURL(createRequire(here).resolve('tsx')).href;
    return [process.execPath, '--import', loader, fileURLToPath(new URL('./tap-main.ts', here)), '--events', eventsDir, '--'];
  }
  const main = fileURLToPath(new URL('./tap-main.js', here));
  if (!existsSync(main)) throw new Error(`kcl-ts is incomplete: ${main} is missing (reinstall kcl-ts)`);
  return [process.execPath, main, '--events', eventsDir, '--'];
}

/**
 * The temporary copy's contents. `parsed` is the user's file as read (validated before);
 * `tap` the words put in front of its executableName (see `tapWords`).
 */
export function devProperties(
  parsed: ParsedProperties,
  source: string,
  endpoints: { kinesis: string; dynamodb: string },
  tap: readonly string[],
): DevProperties {
  const entries = normalized(parsed);
  const changes: string[] = [];
  const get = (key: string): string | undefined => entries.get(key)?.trim();
  const executableName = get('executableName') ?? '';
  const { streamName, applicationName, fromArn } = devNames(parsed, source);
  if (fromArn) changes.push(`streamName ${streamName} (from streamArn)`);
  for (const key of DROPPED) entries.delete(key);
  entries.set('streamName', streamName);

  for (const [key, value, why] of forced(endpoints)) {
    if (get(key) !== value) changes.push(`${key} ${value} (${why})`);
    entries.set(key, value);
  }
  for (const [key, value] of DEFAULTS) {
    if (get(key) === undefined || (key === 'shutdownGraceMillis' && get(key) === '0')) {
      entries.set(key, value);
      changes.push(`${key} ${value}`);
    }
  }
  entries.set('executableName', [...tap, executableName].join(' '));
  const spaced = tap.find((w) => / /.test(w));
  if (spaced !== undefined) throw new Error(`the daemon splits executableName on spaces, and this path has one: ${spaced}`);

  const lines = [
    `# Written by kcl-ts dev from ${source} for this run only: the stand-ins' endpoints,`,
    '# local credentials, and the processor behind kcl-ts dev\'s tap. Edit the original instead.',
    ...[...entries].map(([key, value]) => `${escape(key, true)} = ${escape(value, false)}`),
    '',
  ];
  return {
    text: lines.join('\n'),
    streamName,
    applicationName,
    executableName,
    shutdownGraceMillis: Number(entries.get('shutdownGraceMillis')),
    changes,
  };
}
