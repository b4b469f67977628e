/**
 * The checks `kcl-ts run` makes before the JVM: which endpoints count as local and are
 * probed (only loopback ones), what a probe reports, and when the daemon would find no
 * credentials, refusing only what the daemon itself would fail on.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsProblem, type CredentialsContext } from '../../src/host/preflight/credentials.js';
import { endpointSettings, isLoopbackHost, probeEndpoint } from '../../src/host/preflight/endpoints.js';
import { preflight } from '../../src/host/preflight/preflight.js';
import { parseProperties } from '../../src/host/properties/parse.js';

const props = (o: Record<string, string>) =>
  parseProperties(
    Object.entries(o)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n'),
  );

let server: net.Server;
let up: string;
let down: string;
beforeAll(async () => {
  server = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const gone = net.createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  down = `http://127.0.0.1:${(gone.address() as net.AddressInfo).port}`;
  await new Promise((r) => gone.close(r));
});
afterAll(() => new Promise((r) => server.close(r)));

describe('endpoints', () => {
  it('loopback is 127.0.0.0/8, ::1 and localhost; nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', '128.0.0.1', 'kinesis.us-east-1.amazonaws.com', 'localhost.example.com', '::2', '0.0.0.0']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('reads every key that sets an endpoint, with the port a URL implies', () => {
    const s = endpointSettings(
      props({
        kinesisEndpoint: 'http://127.0.0.1:4568',
        dynamoDBEndpoint: 'https://localhost',
        'cloudWatchClient.endpointOverride': 'http://[::1]:9000',
        'kinesisClient.endpointOverride': 'not a url',
      }),
    );
    expect(s.map(({ key, service, host, port }) => ({ key, service, host, port }))).toEqual([
      { key: 'kinesisEndpoint', service: 'kinesis', host: '127.0.0.1', port: 4568 },
      { key: 'dynamoDBEndpoint', service: 'dynamodb', host: 'localhost', port: 443 },
      { key: 'cloudWatchClient.endpointOverride', service: 'cloudwatch', host: '::1', port: 9000 },
    ]);
  });

  it('a probe says whether something listens; it refuses to probe off this machine', async () => {
    const [u, d] = [new URL(up), new URL(down)];
    expect(await probeEndpoint({ host: u.hostname, port: Number(u.port) })).toEqual({ ok: true });
    expect(await probeEndpoint({ host: 'localhost', port: Number(u.port) })).toEqual({ ok: true });
    expect(await probeEndpoint({ host: d.hostname, port: Number(d.port) })).toEqual({ ok: false, reason: 'nothing listens there (connection refused)' });
    await expect(probeEndpoint({ host: '10.1.2.3', port: 80 })).rejects.toThrow('not a loopback address: 10.1.2.3');
  });
});

const NO_CREDS: CredentialsContext = { env: {}, javaOptions: [], exists: () => false, onEc2: () => false };
const local = { kinesisEndpoint: 'http://127.0.0.1:4568', dynamoDBEndpoint: 'http://127.0.0.1:8000', AwsCredentialsProvider: 'DefaultCredentialsProvider' };

describe('credentials', () => {
  it('the default chain with no source at all is a problem that says what to set', () => {
    expect(credentialsProblem(props(local), NO_CREDS)).toBe(
      'no AWS credentials for the daemon: AwsCredentialsProvider = DefaultCredentialsProvider finds none here (no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, no AWS_PROFILE, no ~/.aws/credentials or ~/.aws/config); for local stand-ins, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to any value (e.g. both to local)',
    );
  });

  it.each<[string, Partial<CredentialsContext>]>([
    ['both variables', { env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } }],
    ['AWS_PROFILE', { env: { AWS_PROFILE: 'dev' } }],
    ['a web identity token', { env: { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' } }],
    ['a container role', { env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' } }],
    ['a container role (full URI)', { env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' } }],
    ['~/.aws/credentials', { env: { HOME: '/home/u' }, exists: (f) => f === '/home/u/.aws/credentials' }],
    ['~/.aws/config', { env: { HOME: '/home/u' }, exists: (f) => f === '/home/u/.aws/config' }],
    ['AWS_SHARED_CREDENTIALS_FILE', { env: { AWS_SHARED_CREDENTIALS_FILE: '/etc/creds' }, exists: (f) => f === '/etc/creds' }],
    ['JVM system properties', { javaOptions: ['-Daws.accessKeyId=a', '-Daws.secretAccessKey=b'] }],
    ['JVM system properties in JAVA_TOOL_OPTIONS', { env: { JAVA_TOOL_OPTIONS: '-Daws.accessKeyId=a -Daws.secretAccessKey=b' } }],
    ['an EC2 instance role', { onEc2: () => true }],
  ])('the default chain finds %s: no problem', (_, ctx) => {
    expect(credentialsProblem(props(local), { ...NO_CREDS, ...ctx })).toBeUndefined();
  });

  it('an EC2 instance with the metadata service disabled is no source', () => {
    expect(credentialsProblem(props(local), { ...NO_CREDS, env: { AWS_EC2_METADATA_DISABLED: 'true' }, onEc2: () => true })).toContain('no AWS credentials');
  });

  it('half a key pair, or blank values, is no source, and the line says which half is missing', () => {
    expect(credentialsProblem(props(local), { ...NO_CREDS, env: { AWS_ACCESS_KEY_ID: 'a' } })).toContain('AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not');
    expect(credentialsProblem(props(local), { ...NO_CREDS, env: { AWS_ACCESS_KEY_ID: ' ', AWS_SECRET_ACCESS_KEY: '' } })).toContain('no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('judges each provider by its own sources', () => {
    const env = (p: string) => props({ ...local, AwsCredentialsProvider: p });
    const profileOnly = { ...NO_CREDS, exists: () => true };
    expect(credentialsProblem(env('EnvironmentVariableCredentialsProvider'), profileOnly)).toContain('(no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
    expect(credentialsProblem(env('software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider'), profileOnly)).toContain('no -Daws.accessKeyId');
    expect(credentialsProblem(env('EnvironmentVariableCredentialsProvider, DefaultCredentialsProvider'), profileOnly)).toBeUndefined();
  });

  it('cannot judge (so accepts) a provider it does not know, a chain holding one, or a client given its own provider', () => {
    expect(credentialsProblem(props({ ...local, AwsCredentialsProvider: 'ProfileCredentialsProvider|dev' }), NO_CREDS)).toBeUndefined();
    expect(credentialsProblem(props({ ...local, AwsCredentialsProvider: 'DefaultCredentialsProvider,com.example.Vault' }), NO_CREDS)).toBeUndefined();
    expect(credentialsProblem(props({ ...local, AwsCredentialsProvider: 'StsAssumeRoleCredentialsProvider|arn:aws:iam::1:role/r|s' }), NO_CREDS)).toBeUndefined();
    expect(credentialsProblem(props({ ...local, 'kinesisClient.credentialsProvider': 'x' }), NO_CREDS)).toBeUndefined();
  });

  it("the DynamoDB client's own chain is judged too; its key in any case of the prefix, as the daemon normalises it", () => {
    const p = props({ ...local, AwsCredentialsProvider: 'ProfileCredentialsProvider', AWSCREDENTIALSPROVIDERDynamoDB: 'EnvironmentVariableCredentialsProvider' });
    expect(credentialsProblem(p, NO_CREDS)).toContain('AWSCREDENTIALSPROVIDERDynamoDB = EnvironmentVariableCredentialsProvider finds none');
  });
});

describe('preflight', () => {
  it('reports each endpoint where nothing listens, and missing credentials, one line each', async () => {
    const p = props({ ...local, kinesisEndpoint: up, dynamoDBEndpoint: down });
    expect(await preflight(p, NO_CREDS)).toEqual([`dynamoDBEndpoint = ${down}: nothing listens there (connection refused)`, expect.stringContaining('no AWS credentials')]);
  });

  it('asks about credentials only for a local run (Kinesis and DynamoDB both on loopback)', async () => {
    expect(await preflight(props({ ...local, kinesisEndpoint: up, dynamoDBEndpoint: 'https://dynamodb.us-east-1.amazonaws.com' }), NO_CREDS)).toEqual([]);
    expect(await preflight(props({ AwsCredentialsProvider: 'DefaultCredentialsProvider' }), NO_CREDS)).toEqual([]);
    expect(await preflight(props({ ...local, kinesisEndpoint: up, dynamoDBEndpoint: up }), NO_CREDS)).toEqual([expect.stringContaining('no AWS credentials')]);
  });

  it('never probes an endpoint off this machine', async () => {
    // Unroutable: a probe would hang until its timeout and report it.
    const p = props({ kinesisEndpoint: 'http://10.255.255.1:4568', dynamoDBEndpoint: 'http://192.0.2.1:8000', AwsCredentialsProvider: 'DefaultCredentialsProvider' });
    expect(await preflight(p, { ...NO_CREDS, probeTimeoutMs: 60_000 })).toEqual([]);
  });

  it("probes CloudWatch's endpoint only when metrics go to CloudWatch", async () => {
    const p = (metricsLevel: string) => props({ ...local, kinesisEndpoint: up, dynamoDBEndpoint: up, 'cloudWatchClient.endpointOverride': down, metricsLevel });
    const ctx = { ...NO_CREDS, env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } };
    expect(await preflight(p('NONE'), ctx)).toEqual([]);
    expect(await preflight(p('SUMMARY'), ctx)).toEqual([`cloudWatchClient.endpointOverride = ${down}: nothing listens there (connection refused)`]);
  });
});
