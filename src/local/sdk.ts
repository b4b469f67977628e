/**
 * What `kcl-ts dev` and `kcl-ts status` need beyond kcl-ts: the AWS SDK clients and the
 * kinesis-local stand-in. They are not dependencies of kcl-ts (a consumer in production
 * needs none of them, and they weigh ~30 MB), so they are loaded at run time from the
 * user's project, where `kcl-ts init` adds them as devDependencies. Only types are
 * imported here, so loading kcl-ts never fails for want of them.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export type KinesisSdk = typeof import('@aws-sdk/client-kinesis');
export type DynamoDbSdk = typeof import('@aws-sdk/client-dynamodb');
export type HttpHandlerSdk = typeof import('@smithy/node-http-handler');

/** A development package a command needs. */
export type LocalPackage = 'kinesis-local' | '@aws-sdk/client-kinesis' | '@aws-sdk/client-dynamodb';

export interface LocalSdk {
  kinesis: KinesisSdk;
  dynamodb: DynamoDbSdk;
  /** HTTP/1.1 for the SDK: over HTTP/2 kinesis-local fails PutRecords yet stores the records. */
  http: HttpHandlerSdk;
  /** kinesis-local's main.js, when it was asked for. */
  kinesisLocalMain?: string;
}

/** Raised with every missing package at once, so one `npm install -D` fixes them all. */
export class MissingPackagesError extends Error {
  constructor(
    readonly command: string,
    readonly packages: readonly LocalPackage[],
    readonly projectDir: string,
  ) {
    super(
      `kcl-ts ${command} needs ${packages.join(', ')} in this project (looked from ${projectDir}): npm install -D ${packages.join(' ')}`,
    );
    this.name = 'MissingPackagesError';
  }
}

/**
 * Resolvers to try, in order: the project's (the usual case), then kcl-ts's own location
 * (the packages installed beside a kcl-ts that is not in the project, e.g. this
 * repository).
 */
function resolvers(projectDir: string, fallbackFrom: string): NodeRequire[] {
  return [createRequire(path.join(projectDir, 'package.json')), createRequire(fallbackFrom)];
}

function resolveFrom(requires: NodeRequire[], specifier: string): string | undefined {
  for (const req of requires) {
    try {
      return req.resolve(specifier);
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

/**
 * Load the SDK clients (and kinesis-local's entry when `withKinesisLocal`). Throws
 * MissingPackagesError naming every missing package. `fallbackFrom` (a file path or URL)
 * is where to look second; tests point it elsewhere.
 */
export function loadLocalSdk(command: string, projectDir: string, withKinesisLocal: boolean, fallbackFrom: string = import.meta.url): LocalSdk {
  const requires = resolvers(projectDir, fallbackFrom);
  const wanted: LocalPackage[] = ['@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb'];
  if (withKinesisLocal) wanted.unshift('kinesis-local');
  const found = new Map<LocalPackage, string>();
  for (const name of wanted) {
    const entry = resolveFrom(requires, name === 'kinesis-local' ? 'kinesis-local/package.json' : name);
    if (entry !== undefined) found.set(name, entry);
  }
  const missing = wanted.filter((name) => !found.has(name));
  if (missing.length > 0) throw new MissingPackagesError(command, missing, projectDir);
  const kinesisEntry = found.get('@aws-sdk/client-kinesis')!;
  const load = createRequire(kinesisEntry);
  const sdk: LocalSdk = {
    kinesis: load(kinesisEntry) as KinesisSdk,
    dynamodb: load(found.get('@aws-sdk/client-dynamodb')!) as DynamoDbSdk,
    // A dependency of every SDK client: resolvable from the client's own directory.
    http: load('@smithy/node-http-handler') as HttpHandlerSdk,
  };
  const kinesisLocal = found.get('kinesis-local');
  if (kinesisLocal !== undefined) sdk.kinesisLocalMain = path.join(path.dirname(kinesisLocal), 'main.js');
  return sdk;
}
