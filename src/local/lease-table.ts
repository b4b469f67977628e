/**
 * The KCL's lease table (`<applicationName>` in DynamoDB): read it, pre-create it the way
 * KCL 3.1.3 would (so a fresh daemon starts in ~9 s instead of 30–130 s), and the
 * leader lock in `<applicationName>-CoordinatorState`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDbHandle } from './clients.js';
import { waitFor } from './wait.js';

/** The name the KCL's index on `leaseOwner`+`leaseKey` must have. */
export const LEASE_OWNER_INDEX = 'LeaseOwnerToLeaseKeyIndex';

export interface LeaseRow {
  leaseKey: string;
  leaseOwner?: string | undefined;
  leaseCounter?: number | undefined;
  checkpoint?: string | undefined;
  checkpointSubSequenceNumber?: number | undefined;
  ownerSwitchesSinceCheckpoint?: number | undefined;
  parentShardIds?: string[] | undefined;
  childShardIds?: string[] | undefined;
  startingHashKey?: string | undefined;
  endingHashKey?: string | undefined;
  /** The raw item. */
  item: Record<string, AttributeValue>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ResourceNotFoundException';
}

function num(v: AttributeValue | undefined): number | undefined {
  return v?.N === undefined ? undefined : Number(v.N);
}

export function parseLease(item: Record<string, AttributeValue>): LeaseRow {
  return {
    leaseKey: item['leaseKey']?.S ?? '',
    leaseOwner: item['leaseOwner']?.S,
    leaseCounter: num(item['leaseCounter']),
    checkpoint: item['checkpoint']?.S,
    checkpointSubSequenceNumber: num(item['checkpointSubSequenceNumber']),
    ownerSwitchesSinceCheckpoint: num(item['ownerSwitchesSinceCheckpoint']),
    parentShardIds: item['parentShardId']?.SS,
    childShardIds: item['childShardIds']?.SS,
    startingHashKey: item['startingHashKey']?.S,
    endingHashKey: item['endingHashKey']?.S,
    item,
  };
}

/**
 * Scan the lease table, sorted by key. A missing table reads as [] unless `mustExist`,
 * when the SDK's ResourceNotFoundException is thrown as is.
 */
export async function readLeases(d: DynamoDbHandle, applicationName: string, mustExist = false): Promise<LeaseRow[]> {
  const rows: LeaseRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  try {
    do {
      const out = await d.client.send(new d.sdk.ScanCommand({ TableName: applicationName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) rows.push(parseLease(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  } catch (err) {
    if (isNotFound(err) && !mustExist) return [];
    throw err;
  }
  return rows.sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0));
}

/** Poll the lease table until `predicate` holds; returns the rows that satisfied it. */
export async function waitForLeases(
  d: DynamoDbHandle,
  applicationName: string,
  what: string,
  predicate: (rows: LeaseRow[]) => boolean,
  timeoutMs: number,
): Promise<LeaseRow[]> {
  return waitFor(
    what,
    async () => {
      const rows = await readLeases(d, applicationName);
      return predicate(rows) ? rows : undefined;
    },
    timeoutMs,
    250,
  );
}

/** A shard as far as a lease cares (a subset of the Kinesis `Shard` shape). */
export interface ShardForLease {
  ShardId?: string | undefined;
  ParentShardId?: string | undefined;
  AdjacentParentShardId?: string | undefined;
  HashKeyRange?: { StartingHashKey?: string | undefined; EndingHashKey?: string | undefined } | undefined;
}

/**
 * Create the lease table as KCL 3.1.3 would (key `leaseKey`, pay-per-request, GSI
 * `LeaseOwnerToLeaseKeyIndex` on `leaseOwner`+`leaseKey`, keys only), with one unowned
 * lease per shard as `HierarchicalShardSyncer.newKCLLease` writes it: counter 0, checkpoint
 * at `initialPosition` (default TRIM_HORIZON) with sub-sequence 0, the hash-key range and
 * the parents. With `skipShardSyncAtWorkerInitializationIfLeasesExist = true` the daemon
 * then skips its initial shard sync and its waits.
 */
export async function createLeaseTable(
  d: DynamoDbHandle,
  applicationName: string,
  shards: readonly ShardForLease[],
  options: { initialPosition?: 'TRIM_HORIZON' | 'LATEST' } = {},
): Promise<void> {
  await d.client.send(
    new d.sdk.CreateTableCommand({
      TableName: applicationName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'leaseKey', AttributeType: 'S' },
        { AttributeName: 'leaseOwner', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: LEASE_OWNER_INDEX,
          KeySchema: [
            { AttributeName: 'leaseOwner', KeyType: 'HASH' },
            { AttributeName: 'leaseKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  await waitFor(
    `table ${applicationName} ACTIVE`,
    async () => {
      const out = await d.client.send(new d.sdk.DescribeTableCommand({ TableName: applicationName }));
      const indexes = out.Table?.GlobalSecondaryIndexes ?? [];
      return out.Table?.TableStatus === 'ACTIVE' && indexes.every((i) => i.IndexStatus === 'ACTIVE');
    },
    30_000,
    100,
  );
  const checkpoint = options.initialPosition ?? 'TRIM_HORIZON';
  for (const shard of shards) {
    if (!shard.ShardId) continue;
    const item: Record<string, AttributeValue> = {
      leaseKey: { S: shard.ShardId },
      leaseCounter: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      checkpoint: { S: checkpoint },
      checkpointSubSequenceNumber: { N: '0' },
    };
    const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p);
    if (parents.length > 0) item['parentShardId'] = { SS: parents };
    if (shard.HashKeyRange?.StartingHashKey && shard.HashKeyRange.EndingHashKey) {
      item['startingHashKey'] = { S: shard.HashKeyRange.StartingHashKey };
      item['endingHashKey'] = { S: shard.HashKeyRange.EndingHashKey };
    }
    await d.client.send(new d.sdk.PutItemCommand({ TableName: applicationName, Item: item }));
  }
}

/** Delete the three KCL 3 tables of an application (missing ones are ignored). */
export async function deleteApplicationTables(d: DynamoDbHandle, applicationName: string): Promise<void> {
  for (const table of [applicationName, `${applicationName}-CoordinatorState`, `${applicationName}-WorkerMetricStats`]) {
    try {
      await d.client.send(new d.sdk.DeleteTableCommand({ TableName: table }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * The worker holding KCL 3's leader lock (item `Leader` of `<app>-CoordinatorState`), or
 * undefined. Only the leader assigns leases; a killed leader's lock is held ~2 minutes.
 */
export async function readLeader(d: DynamoDbHandle, applicationName: string): Promise<string | undefined> {
  try {
    const out = await d.client.send(new d.sdk.ScanCommand({ TableName: `${applicationName}-CoordinatorState`, ConsistentRead: true }));
    return (out.Items ?? []).find((i) => i['key']?.S === 'Leader')?.['ownerName']?.S;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Delete KCL 3's leader lock, as if it had expired, so a restart after a daemon died
 * without a clean shutdown need not idle ~2 minutes (tests do; production just waits).
 */
export async function releaseLeaderLock(d: DynamoDbHandle, applicationName: string): Promise<boolean> {
  try {
    const out = await d.client.send(
      new d.sdk.DeleteItemCommand({ TableName: `${applicationName}-CoordinatorState`, Key: { key: { S: 'Leader' } }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
