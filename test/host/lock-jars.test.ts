import { describe, expect, it } from 'vitest';
import { parseListLine } from '../../scripts/lock-jars.js';
import { artifactFileName } from '../../src/host/jars/artifact.js';
import { dynamoDbLocalLock, kclMultilangLock } from '../../src/host/jars/bundled.js';

const KCL_MULTILANG_LOCK = kclMultilangLock();
const DYNAMODB_LOCAL_LOCK = dynamoDbLocalLock();

describe('lock-jars: dependency:list parsing', () => {
  it('reads group:artifact:type:version:scope:path', () => {
    expect(
      parseListLine('   software.amazon.awssdk:kinesis:jar:2.33.0:compile:/root/.m2/repository/software/amazon/awssdk/kinesis/2.33.0/kinesis-2.33.0.jar -- module software.amazon.awssdk.services.kinesis'),
    ).toEqual({
      group: 'software.amazon.awssdk',
      artifact: 'kinesis',
      version: '2.33.0',
      extension: 'jar',
      scope: 'compile',
      file: '/root/.m2/repository/software/amazon/awssdk/kinesis/2.33.0/kinesis-2.33.0.jar',
    });
  });

  it('reads a classifier and takes the extension from the file (type "so")', () => {
    expect(parseListLine('   io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.1.118.Final:runtime:/m2/x/netty-transport-native-epoll-4.1.118.Final-linux-x86_64.jar')).toMatchObject({
      classifier: 'linux-x86_64',
      version: '4.1.118.Final',
      scope: 'runtime',
      extension: 'jar',
    });
    expect(parseListLine('   com.almworks.sqlite4java:libsqlite4java-linux-amd64:so:1.0.392:runtime:/m2/libsqlite4java-linux-amd64-1.0.392.so')).toMatchObject({
      artifact: 'libsqlite4java-linux-amd64',
      extension: 'so',
    });
  });

  it('skips headers and blank lines', () => {
    expect(parseListLine('')).toBeUndefined();
    expect(parseListLine('The following files have been resolved:')).toBeUndefined();
    expect(parseListLine('   none')).toBeUndefined();
  });
});

describe('committed locks', () => {
  it('the KCL lock holds the multilang jar itself, with well-formed hashes and unique file names', () => {
    const names = KCL_MULTILANG_LOCK.artifacts.map(artifactFileName);
    expect(names).toContain('amazon-kinesis-client-multilang-3.1.3.jar');
    expect(new Set(names).size).toBe(names.length);
    expect(KCL_MULTILANG_LOCK.artifacts.length).toBe(131);
    for (const a of [...KCL_MULTILANG_LOCK.artifacts, ...DYNAMODB_LOCAL_LOCK.artifacts]) {
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(a.sha1).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('the DynamoDB Local lock includes the linux amd64 sqlite4java native library', () => {
    const names = DYNAMODB_LOCAL_LOCK.artifacts.map(artifactFileName);
    expect(names).toContain('DynamoDBLocal-3.3.1.jar');
    expect(names).toContain('libsqlite4java-linux-amd64-1.0.392.so');
  });
});
