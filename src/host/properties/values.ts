/**
 * One value against its key's type. The daemon turns a malformed number into 0 and a
 * malformed boolean into false without a word (commons-beanutils defaults), so these
 * checks are the only place such a mistake shows.
 */
import type { Report } from './diagnostic.js';
import { normalizeKey, type PropertyType } from './keys.js';
import type { PropertyEntry } from './parse.js';

export const INT_MIN = -(2n ** 31n);
export const INT_MAX = 2n ** 31n - 1n;
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;
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

export function checkValue(e: PropertyEntry, type: PropertyType, add: Report): void {
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
      checkCredentials(e, trimmed, add);
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

/** A comma-separated chain of providers, each `Name[|arg|arg…]`. */
function checkCredentials(e: PropertyEntry, trimmed: string, add: Report): void {
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
}
