/**
 * `kcl-ts status`: the lease table of an application as a table, and how far each
 * checkpoint is behind its shard's newest record, against the stand-ins (the endpoints
 * in the properties) or AWS (the SDK's default credential chain).
 */
import type { ParsedProperties } from '../host/properties/parse.js';
import { dynamoDbHandle, isLoopbackEndpoint, kinesisHandle, LOCAL_CREDENTIALS, type ClientTarget } from './clients.js';
import { behindCheckpoint, type Behind } from './lag.js';
import { readLeases } from './lease-table.js';
import type { LocalSdk } from './sdk.js';

export interface StatusTarget {
  applicationName: string;
  /** A stream name or ARN; undefined when the file names neither (the leases are still shown). */
  stream: string | undefined;
  region: string;
  kinesis: ClientTarget;
  dynamodb: ClientTarget;
}

/** A setting the status cannot do without: one line naming the file. */
export class StatusSetupError extends Error {}

function value(parsed: ParsedProperties, key: string): string | undefined {
  const v = parsed.map.get(key)?.value.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** Where to look, from the daemon's properties and the environment. */
export function statusTarget(parsed: ParsedProperties, source: string, env: NodeJS.ProcessEnv): StatusTarget {
  const applicationName = value(parsed, 'applicationName');
  if (applicationName === undefined) throw new StatusSetupError(`${source} has no applicationName (the lease table's name)`);
  const region = value(parsed, 'regionName') ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (region === undefined) throw new StatusSetupError(`no region: set regionName in ${source} or AWS_REGION`);
  const target = (endpoint: string | undefined): ClientTarget => ({
    region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    // The stand-ins take any credentials: do not make the user invent some.
    ...(isLoopbackEndpoint(endpoint) && !env['AWS_ACCESS_KEY_ID'] ? { credentials: { ...LOCAL_CREDENTIALS } } : {}),
    maxAttempts: 2,
    connectionTimeoutMs: 3000,
  });
  return {
    applicationName,
    stream: value(parsed, 'streamArn') ?? value(parsed, 'streamName'),
    region,
    kinesis: target(value(parsed, 'kinesisEndpoint')),
    dynamodb: target(value(parsed, 'dynamoDBEndpoint')),
  };
}

export interface LeaseStatus {
  shardId: string;
  leaseKey: string;
  owner: string | null;
  /** A sequence number, or TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END. */
  checkpoint: string | null;
  checkpointSubSequenceNumber: number | null;
  leaseCounter: number | null;
  parentShardIds: string[];
  /** null when the stream could not be read or the checkpoint is no position. */
  behind: Behind | null;
}

export interface Status {
  applicationName: string;
  stream: string | null;
  /** Why "behind" is missing, when the stream could not be read. */
  streamError: string | null;
  leases: LeaseStatus[];
}

function where(t: ClientTarget, service: string): string {
  return t.endpoint !== undefined ? `${service} at ${t.endpoint}` : `${service} in ${t.region}`;
}

/** A failed call as one line: what was asked of whom, and the likely fix. */
export function describeFailure(err: unknown, t: ClientTarget, service: string, what: string): string {
  const e: Error & { code?: string } = err instanceof Error ? err : new Error(String(err));
  if (e.name === 'CredentialsProviderError') {
    return `no AWS credentials for ${where(t, service)}: the default chain (environment, ~/.aws profiles, SSO, container and instance roles) found none; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (e.code !== undefined && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(e.code)) {
    const hint = isLoopbackEndpoint(t.endpoint) ? ': are the stand-ins running (kcl-ts dev --keep)?' : '';
    return `cannot reach ${where(t, service)} (${e.message})${hint}`;
  }
  if (e.name === 'TimeoutError') return `no answer from ${where(t, service)} (${e.message})`;
  return `${what} on ${where(t, service)} failed: ${e.name}: ${e.message}`;
}

/** The lease table read; undefined `behind` for every lease when the stream cannot be read. */
export async function readStatus(sdk: LocalSdk, target: StatusTarget, source: string): Promise<Status> {
  const dynamo = dynamoDbHandle(sdk.dynamodb, sdk.http, target.dynamodb);
  let rows;
  try {
    rows = await readLeases(dynamo, target.applicationName, true);
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') {
      throw new StatusSetupError(
        `no lease table "${target.applicationName}" on ${where(target.dynamodb, 'DynamoDB')} (applicationName in ${source}): the application has not run there, or the name or endpoint differs`,
      );
    }
    throw new StatusSetupError(describeFailure(err, target.dynamodb, 'DynamoDB', `Scan of table "${target.applicationName}"`));
  } finally {
    dynamo.client.destroy();
  }
  const leases: LeaseStatus[] = rows.map((r) => ({
    // Multi-stream applications key leases "account:stream:epoch:shardId".
    shardId: r.leaseKey.slice(r.leaseKey.lastIndexOf(':') + 1),
    leaseKey: r.leaseKey,
    owner: r.leaseOwner ?? null,
    checkpoint: r.checkpoint ?? null,
    checkpointSubSequenceNumber: r.checkpointSubSequenceNumber ?? null,
    leaseCounter: r.leaseCounter ?? null,
    parentShardIds: r.parentShardIds ?? [],
    behind: null,
  }));
  let streamError: string | null = target.stream === undefined ? `no streamName or streamArn in ${source}` : null;
  if (target.stream !== undefined && leases.length > 0) {
    const kinesis = kinesisHandle(sdk.kinesis, sdk.http, target.kinesis);
    try {
      for (const lease of leases) {
        lease.behind = (await behindCheckpoint(kinesis, target.stream, lease.shardId, lease.checkpoint ?? undefined)) ?? null;
      }
    } catch (err) {
      streamError = describeFailure(err, target.kinesis, 'Kinesis', `reading stream ${target.stream}`);
      for (const lease of leases) lease.behind = null;
    } finally {
      kinesis.client.destroy();
    }
  }
  return { applicationName: target.applicationName, stream: target.stream ?? null, streamError, leases };
}

function behindCell(b: Behind | null): string {
  if (b === null) return '-';
  const ms = b.millisBehindLatest === null || b.records === 0 ? '' : ` (${(b.millisBehindLatest / 1000).toFixed(1)} s)`;
  return `${b.capped ? '≥' : ''}${b.records}${ms}`;
}

/** The status as a text table, one lease a row. */
export function statusTable(status: Status): string {
  const header = ['shard', 'owner', 'checkpoint', 'counter', 'parents', 'behind'];
  const rows = status.leases.map((l) => [
    l.leaseKey,
    l.owner ?? '-',
    l.checkpoint === null ? '-' : l.checkpointSubSequenceNumber ? `${l.checkpoint}/${l.checkpointSubSequenceNumber}` : l.checkpoint,
    l.leaseCounter === null ? '-' : String(l.leaseCounter),
    l.parentShardIds.length > 0 ? l.parentShardIds.join(',') : '-',
    behindCell(l.behind),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [
    `lease table ${status.applicationName}${status.stream !== null ? `, stream ${status.stream}` : ''}: ${status.leases.length} lease${status.leases.length === 1 ? '' : 's'}`,
    line(header),
    ...rows.map(line),
  ];
  if (status.streamError !== null) lines.push(`behind: unknown (${status.streamError})`);
  else lines.push('behind: records after the checkpoint on the shard (and how far behind its newest record, in time)');
  return `${lines.join('\n')}\n`;
}
