/**
 * DynamoDB stand-in: DynamoDB Local (a JVM) on a free port, plus helpers for the KCL's
 * lease table.
 *
 * DynamoDB Local has no option to choose the interface: it listens on every interface
 * (only ever contacted at 127.0.0.1 here). It is started with `-sharedDb` so every
 * credential/region sees the same tables, and `-disableTelemetry`.
 */
import path from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DUMMY_CREDENTIALS, REGION } from './kinesis.js';
import { freePort } from './ports.js';
import { spawnManaged, waitFor, type ManagedProcess } from './processes.js';

export interface DynamoDbLocalOptions {
  /** Directory holding DynamoDB Local's jars and its sqlite4java native library. */
  jarDir: string;
  port?: number;
  /** Persist tables in this directory (`-sharedDb -dbPath DIR`) instead of `-inMemory`. */
  persistDir?: string;
  /** `java` executable (default `java` on PATH, or `$JAVA_HOME/bin/java`). */
  java?: string;
  /** Extra JVM options (default keeps the JVM small). */
  jvmOptions?: string[];
  logFile?: string;
  echo?: boolean;
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export const DEFAULT_SMALL_JVM_OPTIONS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto'];

export function javaExecutable(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

export function dynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: { ...DUMMY_CREDENTIALS },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    maxAttempts: 5,
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const storage = options.persistDir ? ['-sharedDb', '-dbPath', options.persistDir] : ['-inMemory', '-sharedDb'];
  const args = [
    ...(options.jvmOptions ?? DEFAULT_SMALL_JVM_OPTIONS),
    `-Djava.library.path=${options.jarDir}`,
    '-cp',
    `${options.jarDir}/*`,
    'software.amazon.dynamodb.services.local.main.ServerRunner',
    ...storage,
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const proc = spawnManaged(`dynamodb-local:${port}`, javaExecutable(options.java), args, {
    logFile: options.logFile,
    echo: options.echo,
    cwd: options.persistDir ?? options.jarDir,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoDbClient(endpoint);
  proc.beforeStop(() => client.destroy());
  proc.defaultStopTimeoutMs = 5000;
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  try {
    await Promise.race([
      waitFor(
        `DynamoDB Local on ${endpoint}`,
        async () => {
          await client.send(new ListTablesCommand({}));
          return true;
        },
        options.startTimeoutMs ?? 60_000,
        100,
      ),
      proc.exited.then((info) => {
        throw new Error(`DynamoDB Local exited during start-up (${JSON.stringify(info)}):\n${proc.tail(30)}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, client, process: proc, stop };
}

// ---------------------------------------------------------------------------------------
// Lease table

/** The name the KCL index on `leaseOwner`+`leaseKey` must have. */
export const LEASE_OWNER_INDEX = 'LeaseOwnerToLeaseKeyIndex';

export interface LeaseRow {
  leaseKey: string;
  leaseOwner?: string;
  leaseCounter?: number;
  checkpoint?: string;
  checkpointSubSequenceNumber?: number;
  ownerSwitchesSinceCheckpoint?: number;
  parentShardIds?: string[];
  childShardIds?: string[];
  startingHashKey?: string;
  endingHashKey?: string;
  /** The raw item. */
  item: Record<string, AttributeValue>;
}

function str(v: AttributeValue | undefined): string | undefined {
  return v?.S;
}
function num(v: AttributeValue | undefined): number | undefined {
  return v?.N === undefined ? undefined : Number(v.N);
}

export function parseLease(item: Record<string, AttributeValue>): LeaseRow {
  return {
    leaseKey: str(item.leaseKey) ?? '',
    leaseOwner: str(item.leaseOwner),
    leaseCounter: num(item.leaseCounter),
    checkpoint: str(item.checkpoint),
    checkpointSubSequenceNumber: num(item.checkpointSubSequenceNumber),
    ownerSwitchesSinceCheckpoint: num(item.ownerSwitchesSinceCheckpoint),
    parentShardIds: item.parentShardId?.SS,
    childShardIds: item.childShardIds?.SS,
    startingHashKey: str(item.startingHashKey),
    endingHashKey: str(item.endingHashKey),
    item,
  };
}

/** Scan the lease table `<applicationName>`; [] when it does not exist. Sorted by key. */
export async function readLeases(client: DynamoDBClient, applicationName: string): Promise<LeaseRow[]> {
  const rows: LeaseRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  try {
    do {
      const out = await client.send(
        new ScanCommand({ TableName: applicationName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of out.Items ?? []) rows.push(parseLease(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return [];
    throw err;
  }
  return rows.sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0));
}

/** Lease rows keyed by lease key (= shard id for a single-stream application). */
export async function readLeaseMap(client: DynamoDBClient, applicationName: string): Promise<Map<string, LeaseRow>> {
  return new Map((await readLeases(client, applicationName)).map((l) => [l.leaseKey, l]));
}

/** Poll the lease table until `predicate` holds. Returns the rows that satisfied it. */
export async function waitForLeases(
  client: DynamoDBClient,
  applicationName: string,
  what: string,
  predicate: (rows: LeaseRow[]) => boolean,
  timeoutMs: number,
): Promise<LeaseRow[]> {
  return waitFor(
    what,
    async () => {
      const rows = await readLeases(client, applicationName);
      return predicate(rows) ? rows : undefined;
    },
    timeoutMs,
    250,
  );
}

/** A shard as far as a lease cares (a subset of the Kinesis `Shard` shape). */
export interface ShardForLease {
  ShardId?: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange?: { StartingHashKey?: string; EndingHashKey?: string };
}

export interface CreateLeaseTableOptions {
  /** Checkpoint of every pre-created lease: `TRIM_HORIZON` (default) or `LATEST`. */
  initialPosition?: 'TRIM_HORIZON' | 'LATEST';
}

/**
 * Create the lease table `<applicationName>` the way KCL 3.1.3 would (key `leaseKey`,
 * pay-per-request, GSI `LeaseOwnerToLeaseKeyIndex` on `leaseOwner`+`leaseKey`, keys only),
 * with one unowned lease per shard as `HierarchicalShardSyncer.newKCLLease` writes it:
 * `leaseKey` = shard id, `leaseCounter` 0, `ownerSwitchesSinceCheckpoint` 0, `checkpoint`
 * at the initial position with sub-sequence 0, the shard's hash-key range, and its
 * parents (`parentShardId`, a string set) when it has any.
 *
 * With `skipShardSyncAtWorkerInitializationIfLeasesExist = true` this lets the daemon skip
 * the initial shard sync and its waits (start-up ~8 s instead of 30–130 s).
 */
export async function createLeaseTable(
  client: DynamoDBClient,
  applicationName: string,
  shards: readonly ShardForLease[],
  options: CreateLeaseTableOptions = {},
): Promise<void> {
  await client.send(
    new CreateTableCommand({
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
      const out = await client.send(new DescribeTableCommand({ TableName: applicationName }));
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
    if (parents.length > 0) item.parentShardId = { SS: parents };
    if (shard.HashKeyRange?.StartingHashKey && shard.HashKeyRange.EndingHashKey) {
      item.startingHashKey = { S: shard.HashKeyRange.StartingHashKey };
      item.endingHashKey = { S: shard.HashKeyRange.EndingHashKey };
    }
    await client.send(new PutItemCommand({ TableName: applicationName, Item: item }));
  }
}

/** Delete the three KCL 3 tables of an application (missing ones are ignored). */
export async function deleteApplicationTables(client: DynamoDBClient, applicationName: string): Promise<void> {
  for (const table of [applicationName, `${applicationName}-CoordinatorState`, `${applicationName}-WorkerMetricStats`]) {
    try {
      await client.send(new DeleteTableCommand({ TableName: table }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}

/**
 * The worker holding KCL 3's leader lock (item `Leader` of `<app>-CoordinatorState`,
 * written by the DynamoDB lock client), or undefined. Only the leader assigns leases;
 * the lock of a killed leader is held until it expires (~2 minutes).
 */
export async function readLeader(client: DynamoDBClient, applicationName: string): Promise<string | undefined> {
  try {
    const out = await client.send(new ScanCommand({ TableName: `${applicationName}-CoordinatorState`, ConsistentRead: true }));
    const item = (out.Items ?? []).find((i) => i.key?.S === 'Leader');
    return item?.ownerName?.S;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/**
 * Delete KCL 3's leader lock, as if it had expired. A daemon that dies without a clean
 * shutdown keeps the lock ~2 minutes; until then no worker assigns unowned leases, so a
 * restart idles that long. Tests use this to skip the wait; production just waits.
 */
export async function releaseLeaderLock(client: DynamoDBClient, applicationName: string): Promise<boolean> {
  try {
    const out = await client.send(
      new DeleteItemCommand({
        TableName: `${applicationName}-CoordinatorState`,
        Key: { key: { S: 'Leader' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}
