import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../src/host/properties/parse.js';
import { devNames, devProperties, isMootForDev, streamNameFromArn, tapWords } from '../../src/local/dev-properties.js';

const endpoints = { kinesis: 'http://127.0.0.1:4001', dynamodb: 'http://127.0.0.1:4002' };
const TAP = ['/usr/bin/node', '/pkg/dist/local/tap-main.js', '--events', '/tmp/x/taps', '--'];

function copy(text: string) {
  const result = devProperties(parseProperties(text), 'app.local.properties', endpoints, TAP);
  return { ...result, read: parseProperties(result.text).map };
}

describe("kcl-ts dev's copy of the properties", () => {
  it('points the daemon at the stand-ins and puts the processor behind the tap', () => {
    const { read, changes, streamName, applicationName, executableName } = copy(
      [
        'executableName = npx tsx src/app.ts',
        'streamName = orders',
        'applicationName = orders-app',
        'kinesisEndpoint = https://kinesis.eu-west-1.amazonaws.com',
        'AWSCredentialsProvider = ProfileCredentialsProvider|prod',
        'AwsCredentialsProviderDynamoDB = ProfileCredentialsProvider|prod',
        'regionName = eu-west-1',
        'retrievalMode = FANOUT',
        'metricsLevel = DETAILED',
        'initialPositionInStream = LATEST',
        'idleTimeBetweenReadsInMillis = 700',
        'shutdownGraceMillis = 12000',
        'maxRecords = 50',
      ].join('\n'),
    );
    expect(read.get('executableName')?.value).toBe(`${TAP.join(' ')} npx tsx src/app.ts`);
    expect(executableName).toBe('npx tsx src/app.ts');
    expect(read.get('kinesisEndpoint')?.value).toBe('http://127.0.0.1:4001');
    expect(read.get('dynamoDBEndpoint')?.value).toBe('http://127.0.0.1:4002');
    expect(read.get('awsCredentialsProvider')?.value).toBe('DefaultCredentialsProvider');
    expect(read.has('AWSCredentialsProvider')).toBe(false);
    expect(read.has('AwsCredentialsProviderDynamoDB')).toBe(false);
    expect(read.get('regionName')?.value).toBe('us-east-1');
    expect(read.get('retrievalMode')?.value).toBe('POLLING');
    expect(read.get('metricsLevel')?.value).toBe('NONE');
    expect(read.get('initialPositionInStream')?.value).toBe('TRIM_HORIZON');
    expect(read.get('skipShardSyncAtWorkerInitializationIfLeasesExist')?.value).toBe('true');
    // the user's own settings stay where kcl-ts dev has no reason to touch them
    expect(read.get('idleTimeBetweenReadsInMillis')?.value).toBe('700');
    expect(read.get('shutdownGraceMillis')?.value).toBe('12000');
    expect(read.get('maxRecords')?.value).toBe('50');
    // and short timings where they set none
    expect(read.get('failoverTimeMillis')?.value).toBe('5000');
    expect([streamName, applicationName]).toEqual(['orders', 'orders-app']);
    expect(changes).toContain('regionName us-east-1 (the stand-ins\' region)');
    expect(changes).not.toContainEqual(expect.stringMatching(/^idleTimeBetweenReadsInMillis/));
  });

  it('gives a graceful stop when the file has none (or 0)', () => {
    const base = 'executableName = node app.js\nstreamName = s\napplicationName = app\n';
    expect(copy(base).shutdownGraceMillis).toBe(20000);
    expect(copy(`${base}shutdownGraceMillis = 0\n`).read.get('shutdownGraceMillis')?.value).toBe('20000');
  });

  it('takes the stream name from a streamArn, and drops the ARN', () => {
    const { read, streamName, changes } = copy('executableName = node a.js\nstreamArn = arn:aws:kinesis:us-east-2:123456789012:stream/clicks\napplicationName = app\n');
    expect(streamName).toBe('clicks');
    expect(read.get('streamName')?.value).toBe('clicks');
    expect(read.has('streamArn')).toBe(false);
    expect(changes).toContain('streamName clicks (from streamArn)');
    expect(streamNameFromArn('arn:aws:kinesis:us-east-2:1:stream/a.b-c_d')).toBe('a.b-c_d');
    expect(streamNameFromArn('arn:aws:s3:::bucket')).toBeUndefined();
  });

  it('refuses a file without the names it needs, naming the file', () => {
    const parsed = (t: string) => parseProperties(t);
    expect(() => devNames(parsed('applicationName = a'), 'x.properties')).toThrow('x.properties: no streamName (or streamArn): which stream should the stand-in create?');
    expect(() => devNames(parsed('streamName = s'), 'x.properties')).toThrow('x.properties: no applicationName (it names the lease table)');
    expect(() => devNames(parsed('streamArn = nope\napplicationName = app'), 'x.properties')).toThrow(/streamArn nope is not a Kinesis stream ARN/);
    // names the services would refuse, said before anything starts
    expect(() => devNames(parsed('streamName = s\napplicationName = x'), 'x.properties')).toThrow(
      'x.properties: applicationName "x" cannot name the lease table: DynamoDB table names are 3 to 255 characters of A-Z a-z 0-9 _ - .',
    );
    expect(() => devNames(parsed('streamName = a/b\napplicationName = app'), 'x.properties')).toThrow(
      'x.properties: streamName "a/b" is not a Kinesis stream name: 1 to 128 characters of A-Z a-z 0-9 _ - .',
    );
  });

  it('writes values java.util.Properties reads back exactly, in ASCII', () => {
    const { text, read } = copy('executableName = node app.js\nstreamName = s\napplicationName = app\nworkerId = \\ lead\\\\ing é✓ x=y:z # not a comment\n');
    expect(read.get('workerId')?.value).toBe(' lead\\ing é✓ x=y:z # not a comment');
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
  });

  it('refuses a tap path with a space: the daemon would split it', () => {
    expect(() => devProperties(parseProperties('executableName = a\nstreamName = s\napplicationName = app'), 'f', endpoints, ['/my dir/node', '--'])).toThrow(
      'the daemon splits executableName on spaces, and this path has one: /my dir/node',
    );
  });

  it('knows which checks of the user file it makes moot', () => {
    expect(isMootForDev('AwsCredentialsProvider', false)).toBe(true);
    expect(isMootForDev('retrievalMode', true)).toBe(true);
    expect(isMootForDev('streamArn', true)).toBe(true);
    // filled in when absent, the user's own value checked
    expect(isMootForDev('shutdownGraceMillis', false)).toBe(true);
    expect(isMootForDev('shutdownGraceMillis', true)).toBe(false);
    expect(isMootForDev('executableName', true)).toBe(false);
    expect(isMootForDev('maxRecords', true)).toBe(false);
  });

  it('runs the tap with tsx when kcl-ts itself runs from source', () => {
    const words = tapWords('/tmp/e');
    expect(words[0]).toBe(process.execPath);
    expect(words.slice(1, 3)).toEqual(['--import', expect.stringMatching(/^file:.*tsx\/dist\/loader\.mjs$/)]);
    expect(words[3]).toMatch(/src\/local\/tap-main\.ts$/);
    expect(words.slice(4)).toEqual(['--events', '/tmp/e', '--']);
  });
});
