/**
 * The keys the KCL 3.1.x MultiLangDaemon reads from its properties file.
 *
 * Facts from the Java source of `amazon-kinesis-client-multilang` 3.1.3:
 * - `MultiLangDaemonConfig` reads `executableName` (required), `processingLanguage` and
 *   `maxActiveThreads` itself.
 * - Every other entry goes through commons-beanutils `BeanUtilsBean.setProperty` onto
 *   `MultiLangDaemonConfiguration`. Property names are the JavaBeans names of its setters
 *   (Lombok `@Setter` fields, explicit setters such as `setRegionName`, `setKinesisEndpoint`,
 *   and the `@Delegate`d setters of the polling / graceful-handoff / worker-utilization /
 *   worker-metrics-table / coordinator-state-table beans). They are **case-sensitive**, and
 *   an unknown name is silently ignored — hence this list.
 * - Only keys starting with `awscredentialsprovider` (any case) are normalised, to
 *   `awsCredentialsProvider…` (KinesisClientLibConfigurator.processKey).
 * - Dotted keys are nested bean paths: `fanoutConfig.<FanoutConfigBean property>`,
 *   `pollingConfig.<PollingConfigBean property>`, and `kinesisClient.*`, `dynamoDbClient.*`,
 *   `cloudWatchClient.*` (dynamic beans that set SDK client-builder properties).
 * - BeanUtils' default converters do not throw: a malformed number becomes 0 and a
 *   malformed boolean becomes false, silently. Enums are parsed by `valueOf(upperCase)`
 *   and fail the start-up on a bad value.
 */

export type PropertyType =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'long' }
  | { kind: 'double' }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'duration' }
  | { kind: 'tags' }
  | { kind: 'endpoint' }
  | { kind: 'list' }
  | { kind: 'credentials' }
  | { kind: 'epochSeconds' }
  | { kind: 'region' }
  | { kind: 'streamArn' }
  | { kind: 'unsettable'; reason: string }
  | { kind: 'noEffect'; reason: string };

const S = { kind: 'string' } as const;
const I = { kind: 'int' } as const;
const L = { kind: 'long' } as const;
const D = { kind: 'double' } as const;
const B = { kind: 'boolean' } as const;
const BILLING = { kind: 'enum', values: ['PAY_PER_REQUEST', 'PROVISIONED'] } as const;

export const INITIAL_POSITIONS = ['TRIM_HORIZON', 'LATEST'] as const;
export const METRICS_LEVELS = ['NONE', 'SUMMARY', 'DETAILED'] as const;
export const RETRIEVAL_MODES = ['FANOUT', 'POLLING', 'DEFAULT'] as const;

/** Top-level keys (after the awsCredentialsProvider normalisation). */
export const KNOWN_KEYS: ReadonlyMap<string, PropertyType> = new Map<string, PropertyType>([
  // Read by MultiLangDaemonConfig directly.
  ['executableName', S],
  ['processingLanguage', S],
  ['maxActiveThreads', I],
  // MultiLangDaemonConfiguration
  ['applicationName', S],
  ['streamName', S],
  ['streamArn', { kind: 'streamArn' }],
  ['tableName', S],
  ['workerId', S],
  ['workerIdentifier', S],
  ['failoverTimeMillis', L],
  ['leaseAssignmentIntervalMillis', L],
  ['enablePriorityLeaseAssignment', B],
  ['leaseTableDeletionProtectionEnabled', B],
  ['leaseTablePitrEnabled', B],
  ['shardSyncIntervalMillis', L],
  ['cleanupLeasesUponShardCompletion', B],
  ['ignoreUnexpectedChildShards', B],
  ['maxLeasesForWorker', I],
  ['maxLeasesToStealAtOneTime', I],
  ['initialLeaseTableReadCapacity', I],
  ['initialLeaseTableWriteCapacity', I],
  ['initialPositionInStream', { kind: 'enum', values: INITIAL_POSITIONS }],
  ['initialPositionInStreamExtended', { kind: 'epochSeconds' }],
  ['maxLeaseRenewalThreads', I],
  ['listShardsBackoffTimeInMillis', L],
  ['maxListShardsRetryAttempts', I],
  ['callProcessRecordsEvenForEmptyRecordList', B],
  ['parentShardPollIntervalMillis', L],
  [
    'shardPrioritization',
    { kind: 'unsettable', reason: 'it takes a Java object (ShardPrioritization); a string value cannot be converted' },
  ],
  ['skipShardSyncAtWorkerInitializationIfLeasesExist', B],
  ['schedulerInitializationBackoffTimeMillis', L],
  ['clientVersionConfig', { kind: 'enum', values: ['CLIENT_VERSION_CONFIG_COMPATIBLE_WITH_2X', 'CLIENT_VERSION_CONFIG_3X'] }],
  ['taskBackoffTimeMillis', L],
  ['metricsBufferTimeMillis', L],
  ['metricsMaxQueueSize', I],
  ['metricsLevel', { kind: 'enum', values: METRICS_LEVELS }],
  ['logWarningForTaskAfterMillis', L],
  ['metricsEnabledDimensions', { kind: 'list' }],
  ['retrievalMode', { kind: 'enum', values: RETRIEVAL_MODES }],
  [
    'validateSequenceNumberBeforeCheckpointing',
    { kind: 'noEffect', reason: 'the KCL 3.1 daemon accepts it but never passes it on' },
  ],
  ['shutdownGraceMillis', L],
  ['timeoutInSeconds', I],
  ['awsCredentialsProvider', { kind: 'credentials' }],
  ['awsCredentialsProviderDynamoDB', { kind: 'credentials' }],
  ['awsCredentialsProviderCloudWatch', { kind: 'credentials' }],
  ['regionName', { kind: 'region' }],
  ['kinesisEndpoint', { kind: 'endpoint' }],
  ['dynamoDBEndpoint', { kind: 'endpoint' }],
  // PollingConfigBean (delegated)
  ['retryGetRecordsInSeconds', I],
  ['maxGetRecordsThreadPool', I],
  ['idleTimeBetweenReadsInMillis', L],
  ['millisBehindLatestThresholdForReducedTps', L],
  ['maxRecords', I],
  // GracefulLeaseHandoffConfigBean (delegated)
  ['gracefulLeaseHandoffTimeoutMillis', L],
  ['isGracefulLeaseHandoffEnabled', B],
  // WorkerUtilizationAwareAssignmentConfigBean (delegated)
  ['inMemoryWorkerMetricsCaptureFrequencyMillis', L],
  ['workerMetricsReporterFreqInMillis', L],
  ['noOfPersistedMetricsPerWorkerMetrics', I],
  ['disableWorkerMetrics', B],
  ['maxThroughputPerHostKBps', D],
  ['dampeningPercentage', I],
  ['reBalanceThresholdPercentage', I],
  ['allowThroughputOvershoot', B],
  ['varianceBalancingFrequency', I],
  ['workerMetricsEMAAlpha', D],
  ['staleWorkerMetricsEntryCleanupDuration', { kind: 'duration' }],
  // WorkerMetricStatsTableConfigBean (delegated)
  ['workerMetricsTableName', S],
  ['workerMetricsBillingMode', BILLING],
  ['workerMetricsReadCapacity', L],
  ['workerMetricsWriteCapacity', L],
  ['workerMetricsPointInTimeRecoveryEnabled', B],
  ['workerMetricsDeletionProtectionEnabled', B],
  ['workerMetricsTags', { kind: 'tags' }],
  // CoordinatorStateTableConfigBean (delegated)
  ['coordinatorStateTableName', S],
  ['coordinatorStateBillingMode', BILLING],
  ['coordinatorStateReadCapacity', L],
  ['coordinatorStateWriteCapacity', L],
  ['coordinatorStatePointInTimeRecoveryEnabled', B],
  ['coordinatorStateDeletionProtectionEnabled', B],
  ['coordinatorStateTags', { kind: 'tags' }],
]);

/** Nested bean paths with a fixed set of properties. */
export const NESTED_KEYS: ReadonlyMap<string, ReadonlyMap<string, PropertyType>> = new Map([
  [
    'fanoutConfig',
    new Map<string, PropertyType>([
      ['maxDescribeStreamSummaryRetries', I],
      ['consumerArn', S],
      ['consumerName', S],
      ['maxDescribeStreamConsumerRetries', I],
      ['registerStreamConsumerRetries', I],
      ['retryBackoffMillis', L],
    ]),
  ],
  [
    'pollingConfig',
    new Map<string, PropertyType>([
      ['retryGetRecordsInSeconds', I],
      ['maxGetRecordsThreadPool', I],
      ['idleTimeBetweenReadsInMillis', L],
      ['millisBehindLatestThresholdForReducedTps', L],
      ['maxRecords', I],
    ]),
  ],
]);

/** Nested paths onto AWS SDK client builders: any property name, not checked here. */
export const FREEFORM_PREFIXES: readonly string[] = ['kinesisClient', 'dynamoDbClient', 'cloudWatchClient'];

/** KinesisClientLibConfigurator.processKey */
export function normalizeKey(key: string): string {
  if (key.toLowerCase().startsWith('awscredentialsprovider')) {
    return key.replace(/awscredentialsprovider/gi, 'awsCredentialsProvider');
  }
  return key;
}

export type KeyLookup =
  | { known: true; type: PropertyType; freeform?: boolean }
  | { known: false; suggestion?: string };

/** Every spelling a user could write for a known key (for suggestions). */
export function allKnownKeyNames(): string[] {
  const names = [...KNOWN_KEYS.keys()];
  for (const [prefix, props] of NESTED_KEYS) for (const p of props.keys()) names.push(`${prefix}.${p}`);
  names.push('AwsCredentialsProvider', 'AwsCredentialsProviderDynamoDB', 'AwsCredentialsProviderCloudWatch');
  return names;
}

export function lookupKey(rawKey: string): KeyLookup {
  const key = normalizeKey(rawKey);
  const direct = KNOWN_KEYS.get(key);
  if (direct) return { known: true, type: direct };
  const dot = key.indexOf('.');
  if (dot > 0) {
    const prefix = key.slice(0, dot);
    const rest = key.slice(dot + 1);
    if (FREEFORM_PREFIXES.includes(prefix) && rest.length > 0) return { known: true, type: S, freeform: true };
    const nested = NESTED_KEYS.get(prefix)?.get(rest);
    if (nested) return { known: true, type: nested };
  }
  const suggestion = suggestKey(rawKey);
  return suggestion ? { known: false, suggestion } : { known: false };
}

/** Closest known key: a case-insensitive match first, else the smallest edit distance. */
export function suggestKey(key: string): string | undefined {
  const names = allKnownKeyNames();
  const lower = key.toLowerCase();
  const ci = names.find((n) => n.toLowerCase() === lower);
  if (ci) return ci;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = n;
    }
  }
  // Only suggest when the typo is small relative to the key's length.
  const limit = Math.max(2, Math.floor(key.length / 4));
  return bestDist <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (OSA). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2: number[] = new Array<number>(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  let cur: number[] = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}
