/**
 * Will the daemon find AWS credentials? Asked only for a local run (Kinesis and DynamoDB
 * endpoints on loopback), where the answer is usually "set two dummy variables" and the
 * daemon's own answer is a minute of stack traces. The check refuses only what the
 * daemon would refuse too: it judges a provider chain only when every provider in it is
 * one whose sources it knows, and counts any source that might work (a profile file that
 * exists, a container or EC2 role) as credentials.
 *
 * How the daemon reads the setting (AwsCredentialsProviderPropertyValueDecoder, KCL 3.1):
 * a comma-separated list, each `Name[|arg|…]` tried as `software.amazon.kinesis.multilang.auth.Name`,
 * `software.amazon.awssdk.auth.credentials.Name` and `Name`; what constructs goes into an
 * AwsCredentialsProviderChain. `AwsCredentialsProviderDynamoDB` / `…CloudWatch` give those
 * clients their own chain, else they use the Kinesis one; a `<client>.credentialsProvider`
 * key overrides both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { normalizeKey } from '../properties/keys.js';
import type { ParsedProperties } from '../properties/parse.js';

const SDK_PACKAGE = 'software.amazon.awssdk.auth.credentials.';

/** The providers whose sources this check knows; any other name means "cannot tell". */
type KnownProvider = 'DefaultCredentialsProvider' | 'EnvironmentVariableCredentialsProvider' | 'SystemPropertyCredentialsProvider';
const KNOWN: ReadonlySet<string> = new Set<KnownProvider>([
  'DefaultCredentialsProvider',
  'EnvironmentVariableCredentialsProvider',
  'SystemPropertyCredentialsProvider',
]);

export interface CredentialsContext {
  env: NodeJS.ProcessEnv;
  /** The JVM's options (`--java-opt`): `-Daws.accessKeyId=…` is a source too. */
  javaOptions: readonly string[];
  /** Default: a file exists. */
  exists?: (file: string) => boolean;
  /** Default: this machine looks like an EC2 instance (its instance role is a source). */
  onEc2?: () => boolean;
}

/** Linux exposes the hypervisor's and the board's identity; an EC2 instance says so there. */
function looksLikeEc2(): boolean {
  const read = (f: string): string => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return '';
    }
  };
  return (
    read('/sys/hypervisor/uuid').toLowerCase().startsWith('ec2') ||
    /^Amazon EC2$/i.test(read('/sys/class/dmi/id/sys_vendor')) ||
    /^i-[0-9a-f]+$/.test(read('/sys/class/dmi/id/board_asset_tag'))
  );
}

const set = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? '').trim() !== '';

/** JVM options from the command line and the variables every JVM reads them from. */
function jvmOptionText(ctx: CredentialsContext): string {
  return [...ctx.javaOptions, ctx.env['JAVA_TOOL_OPTIONS'] ?? '', ctx.env['JDK_JAVA_OPTIONS'] ?? '', ctx.env['_JAVA_OPTIONS'] ?? ''].join(' ');
}

function sources(provider: KnownProvider, ctx: CredentialsContext): boolean {
  const env = ctx.env;
  const fromEnv = set(env, 'AWS_ACCESS_KEY_ID') && set(env, 'AWS_SECRET_ACCESS_KEY');
  const opts = jvmOptionText(ctx);
  const fromSystemProperties = /-Daws\.accessKeyId=\S/.test(opts) && /-Daws\.secretAccessKey=\S/.test(opts);
  if (provider === 'EnvironmentVariableCredentialsProvider') return fromEnv;
  if (provider === 'SystemPropertyCredentialsProvider') return fromSystemProperties;
  const exists = ctx.exists ?? existsSync;
  const home = env['HOME'] || homedir();
  const profileFiles = [env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(home, '.aws', 'credentials'), env['AWS_CONFIG_FILE'] || path.join(home, '.aws', 'config')];
  return (
    fromEnv ||
    fromSystemProperties ||
    set(env, 'AWS_PROFILE') ||
    set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE') ||
    set(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') ||
    set(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI') ||
    profileFiles.some((f) => exists(f)) ||
    (env['AWS_EC2_METADATA_DISABLED']?.trim().toLowerCase() !== 'true' && (ctx.onEc2 ?? looksLikeEc2)())
  );
}

/** The provider names in one setting; undefined when any is one this check does not know. */
function knownProviders(value: string): KnownProvider[] | undefined {
  const names = value
    .split(',')
    .map((p) => p.trim().split('|')[0]!.trim())
    .filter((p) => p !== '')
    .map((p) => (p.startsWith(SDK_PACKAGE) ? p.slice(SDK_PACKAGE.length) : p));
  if (names.length === 0 || names.some((n) => !KNOWN.has(n))) return undefined;
  return names as KnownProvider[];
}

/**
 * One line saying what to set when no client's chain can find credentials, else
 * undefined (credentials found, or a chain this check cannot judge).
 */
export function credentialsProblem(parsed: ParsedProperties, ctx: CredentialsContext): string | undefined {
  const settings = new Map<string, { key: string; value: string }>();
  for (const [key, e] of parsed.map) {
    const k = normalizeKey(key);
    if (k.startsWith('awsCredentialsProvider')) settings.set(k, { key, value: e.value });
    // A client given its provider directly: none of the settings below applies to it.
    if (/^(kinesisClient|dynamoDbClient|cloudWatchClient)\.credentialsProvider$/.test(key)) return undefined;
  }
  const kinesis = settings.get('awsCredentialsProvider');
  if (!kinesis) return undefined; // a required key: validation (or the daemon) says so
  const chains = [kinesis, settings.get('awsCredentialsProviderDynamoDB') ?? kinesis];
  for (const chain of chains) {
    const providers = knownProviders(chain.value);
    if (!providers || providers.some((p) => sources(p, ctx))) continue;
    return `no AWS credentials for the daemon: ${chain.key} = ${chain.value.trim()} finds none here (${missingSources(providers, ctx.env)}); for local stand-ins, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to any value (e.g. both to local)`;
  }
  return undefined;
}

function missingSources(providers: readonly KnownProvider[], env: NodeJS.ProcessEnv): string {
  const half = set(env, 'AWS_ACCESS_KEY_ID') !== set(env, 'AWS_SECRET_ACCESS_KEY');
  const pair = half
    ? `${set(env, 'AWS_ACCESS_KEY_ID') ? 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' : 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not'}`
    : 'no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (providers.every((p) => p === 'SystemPropertyCredentialsProvider')) return 'no -Daws.accessKeyId and -Daws.secretAccessKey JVM options';
  if (providers.every((p) => p !== 'DefaultCredentialsProvider')) return pair;
  return `${pair}, no AWS_PROFILE, no ~/.aws/credentials or ~/.aws/config`;
}
