/**
 * SDK clients for the stand-ins and for AWS, and the handles (client + its SDK module)
 * the stream and lease-table helpers take: the SDK is loaded at run time (sdk.ts), so a
 * helper cannot import its command classes itself.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDbSdk, HttpHandlerSdk, KinesisSdk } from './sdk.js';

/** The stand-ins accept any credentials; these are the ones kcl-ts dev uses everywhere. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface KinesisHandle {
  sdk: KinesisSdk;
  client: KinesisClient;
}

export interface DynamoDbHandle {
  sdk: DynamoDbSdk;
  client: DynamoDBClient;
}

export interface ClientTarget {
  /** Default: AWS's endpoint for the region. */
  endpoint?: string;
  region: string;
  /** Default: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Default 5 (stand-ins starting up, throttling). */
  maxAttempts?: number;
  /** Default 5 s. */
  connectionTimeoutMs?: number;
}

/** A stand-in at `endpoint`: local credentials and region. */
export function localTarget(endpoint: string): ClientTarget {
  return { endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
}

/** True for http(s)://127.x, localhost or [::1]: a stand-in, never AWS. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function commonConfig(http: HttpHandlerSdk, target: ClientTarget) {
  return {
    region: target.region,
    ...(target.endpoint !== undefined ? { endpoint: target.endpoint } : {}),
    ...(target.credentials !== undefined ? { credentials: { ...target.credentials } } : {}),
    // HTTP/1.1: over HTTP/2 kinesis-local fails PutRecords with ERR_HTTP2_ERROR although
    // the records are stored, and a retry stores them twice.
    requestHandler: new http.NodeHttpHandler({ connectionTimeout: target.connectionTimeoutMs ?? 5000, requestTimeout: 30_000 }),
    maxAttempts: target.maxAttempts ?? 5,
  };
}

export function kinesisHandle(sdk: KinesisSdk, http: HttpHandlerSdk, target: ClientTarget): KinesisHandle {
  return { sdk, client: new sdk.KinesisClient(commonConfig(http, target)) };
}

export function dynamoDbHandle(sdk: DynamoDbSdk, http: HttpHandlerSdk, target: ClientTarget): DynamoDbHandle {
  return { sdk, client: new sdk.DynamoDBClient(commonConfig(http, target)) };
}
