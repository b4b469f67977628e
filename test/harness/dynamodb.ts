/**
 * The DynamoDB stand-in and the lease table for the tests: src/local/ (what `kcl-ts dev`
 * runs) with this repository's SDK and the harness's process registry, under the names
 * the tests use (each helper takes a bare DynamoDBClient).
 */
import * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as HttpSdk from '@smithy/node-http-handler';
import { dynamoDbHandle, localTarget, type DynamoDbHandle } from '../../src/local/clients.js';
import * as local from '../../src/local/dynamodb-local.js';
import * as leases from '../../src/local/lease-table.js';
import type { LeaseRow, ShardForLease } from '../../src/local/lease-table.js';
import { harnessSpawner } from './kinesis.js';
import type { ManagedProcess } from './processes.js';

export { DEFAULT_SMALL_JVM_OPTIONS, javaExecutable } from '../../src/local/dynamodb-local.js';
export { LEASE_OWNER_INDEX, parseLease } from '../../src/local/lease-table.js';
export type { LeaseRow, ShardForLease } from '../../src/local/lease-table.js';

export type DynamoDbLocalOptions = Omit<local.DynamoDbLocalOptions<ManagedProcess>, 'sdk' | 'http' | 'spawn'>;
export type DynamoDbLocal = local.DynamoDbLocal<ManagedProcess>;
export interface CreateLeaseTableOptions {
  /** Checkpoint of every pre-created lease: `TRIM_HORIZON` (default) or `LATEST`. */
  initialPosition?: 'TRIM_HORIZON' | 'LATEST';
}

const handle = (client: DynamoDBClient): DynamoDbHandle => ({ sdk: DynamoDbSdk, client });

export function dynamoDbClient(endpoint: string): DynamoDBClient {
  return dynamoDbHandle(DynamoDbSdk, HttpSdk, localTarget(endpoint)).client;
}

export function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  return local.startDynamoDbLocal({ ...options, sdk: DynamoDbSdk, http: HttpSdk, spawn: harnessSpawner });
}

/** Scan the lease table `<applicationName>`; [] when it does not exist. Sorted by key. */
export const readLeases = (client: DynamoDBClient, applicationName: string): Promise<LeaseRow[]> => leases.readLeases(handle(client), applicationName);

/** Lease rows keyed by lease key (= shard id for a single-stream application). */
export async function readLeaseMap(client: DynamoDBClient, applicationName: string): Promise<Map<string, LeaseRow>> {
  return new Map((await readLeases(client, applicationName)).map((l) => [l.leaseKey, l]));
}

export const waitForLeases = (
  client: DynamoDBClient,
  applicationName: string,
  what: string,
  predicate: (rows: LeaseRow[]) => boolean,
  timeoutMs: number,
): Promise<LeaseRow[]> => leases.waitForLeases(handle(client), applicationName, what, predicate, timeoutMs);

export const createLeaseTable = (
  client: DynamoDBClient,
  applicationName: string,
  shards: readonly ShardForLease[],
  options: CreateLeaseTableOptions = {},
): Promise<void> => leases.createLeaseTable(handle(client), applicationName, shards, options);

export const deleteApplicationTables = (client: DynamoDBClient, applicationName: string): Promise<void> =>
  leases.deleteApplicationTables(handle(client), applicationName);
export const readLeader = (client: DynamoDBClient, applicationName: string): Promise<string | undefined> =>
  leases.readLeader(handle(client), applicationName);
export const releaseLeaderLock = (client: DynamoDBClient, applicationName: string): Promise<boolean> =>
  leases.releaseLeaderLock(handle(client), applicationName);
