import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../../../src/host/properties/diagnostic.js';
import { splitExecutable } from '../../../src/host/properties/executable.js';
import { editDistance, lookupKey, suggestKey } from '../../../src/host/properties/keys.js';
import { parseProperties } from '../../../src/host/properties/parse.js';
import { validateProperties } from '../../../src/host/properties/rules.js';
import { getShutdownGraceMillis, getTimeoutSeconds } from '../../../src/host/properties/settings.js';
import { validatePropertiesFile } from '../../../src/host/properties/validate.js';

let dir: string;
let binDir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-validate-'));
  binDir = path.join(dir, 'bin');
  mkdirSync(binDir);
  for (const f of [path.join(binDir, 'mychild'), path.join(dir, 'app.sh'), path.join(dir, 'my app.sh')]) {
    writeFileSync(f, '#!/bin/sh\n');
    chmodSync(f, 0o755);
  }
  writeFileSync(path.join(dir, 'not-exec.sh'), '#!/bin/sh\n');
});

const BASE = [
  'executableName = mychild',
  'streamName = demo',
  'applicationName = demo-app',
  'AwsCredentialsProvider = DefaultCredentialsProvider',
  'shutdownGraceMillis = 30000',
];

function check(lines: string[]): Diagnostic[] {
  return validateProperties(parseProperties(lines.join('\n')), {
    file: 'app.properties',
    cwd: dir,
    env: { PATH: binDir },
  });
}
const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'warning');

describe('validateProperties', () => {
  it('accepts a complete file without diagnostics', () => {
    expect(check(BASE)).toEqual([]);
  });

  it('accepts the properties known to work with the real daemon', () => {
    const ds = check([
      ...BASE,
      'regionName = us-east-1',
      'initialPositionInStream = TRIM_HORIZON',
      'kinesisEndpoint = http://127.0.0.1:4568',
      'dynamoDBEndpoint = http://127.0.0.1:8000',
      'metricsLevel = NONE',
      'retrievalMode = POLLING',
      'idleTimeBetweenReadsInMillis = 500',
      'shardSyncIntervalMillis = 2000',
      'failoverTimeMillis = 5000',
      'leaseAssignmentIntervalMillis = 2000',
      'workerMetricsReporterFreqInMillis = 2000',
      'skipShardSyncAtWorkerInitializationIfLeasesExist = true',
      'fanoutConfig.consumerName = c1',
      'timeoutInSeconds = 60',
      'staleWorkerMetricsEntryCleanupDuration = PT1H',
      'workerMetricsTags = team=data, env=dev',
    ]);
    expect(ds).toEqual([]);
  });

  it('requires executableName, applicationName, a stream and credentials', () => {
    const ds = check(['shutdownGraceMillis = 1000']);
    expect(errors(ds).map((d) => d.key).sort()).toEqual(
      ['AwsCredentialsProvider', 'applicationName', 'executableName', 'streamName'].sort(),
    );
    expect(errors(ds).every((d) => d.file === 'app.properties')).toBe(true);
  });

  it('accepts streamArn instead of streamName and checks its shape', () => {
    const noName = BASE.filter((l) => !l.startsWith('streamName'));
    expect(errors(check([...noName, 'streamArn = arn:aws:kinesis:us-east-1:123456789012:stream/demo']))).toEqual([]);
    const bad = errors(check([...noName, 'streamArn = demo']));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ key: 'streamArn', line: 5 });
  });

  it('treats a blank applicationName as missing', () => {
    const ds = check([...BASE.filter((l) => !l.startsWith('applicationName')), 'applicationName =   ']);
    expect(errors(ds).map((d) => d.key)).toEqual(['applicationName']);
  });

  it('accepts every spelling of AwsCredentialsProvider the daemon normalises', () => {
    for (const k of ['AWSCredentialsProvider', 'awsCredentialsProvider', 'AwsCredentialsProvider']) {
      const ds = check([...BASE.filter((l) => !l.startsWith('Aws')), `${k} = DefaultCredentialsProvider`]);
      expect(ds, k).toEqual([]);
    }
    expect(lookupKey('AWSCredentialsProviderDynamoDB').known).toBe(true);
    expect(lookupKey('AWSCredentialsProviderDynamodb').known).toBe(false);
  });

  it('rejects SDK v1 credentials providers and warns about unknown short names', () => {
    const noCreds = BASE.filter((l) => !l.startsWith('Aws'));
    const v1 = errors(check([...noCreds, 'AWSCredentialsProvider = DefaultAWSCredentialsProviderChain']));
    expect(v1).toHaveLength(1);
    expect(v1[0]!.message).toContain('SDK for Java v1');
    const unknown = warnings(check([...noCreds, 'AwsCredentialsProvider = MyProvider, ProfileCredentialsProvider|dev']));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message).toContain("'MyProvider'");
    expect(check([...noCreds, 'AwsCredentialsProvider = com.example.MyProvider|a|b'])).toEqual([]);
  });

  it('flags unknown keys with a suggestion, naming file, line and key', () => {
    const ds = check([...BASE, 'StreamName = other', 'idleTimeBetweenReadsInMilis = 500', 'totallyUnrelatedThing = 1']);
    const w = warnings(ds);
    expect(w).toHaveLength(3);
    expect(w[0]).toMatchObject({ file: 'app.properties', line: 6, key: 'StreamName' });
    expect(w[0]!.message).toContain("did you mean 'streamName'");
    expect(w[0]!.message).toContain('case-sensitive');
    expect(w[1]!.message).toContain("did you mean 'idleTimeBetweenReadsInMillis'");
    expect(w[2]!.message).not.toContain('did you mean');
    expect(formatDiagnostic(w[1]!)).toMatch(/^app\.properties:7: warning: idleTimeBetweenReadsInMilis: unknown key/);
  });

  it('checks integer and long values, including Java ranges', () => {
    const ds = errors(
      check([...BASE, 'maxRecords = 10k', 'maxLeasesForWorker = 99999999999', 'failoverTimeMillis = 99999999999', 'metricsMaxQueueSize = +7 ']),
    );
    expect(ds.map((d) => d.key)).toEqual(['maxRecords', 'maxLeasesForWorker']);
    expect(ds[0]!.message).toContain('silently use 0');
  });

  it('checks booleans like commons-beanutils (untrimmed, yes/no accepted)', () => {
    const ds = errors(
      check([
        ...BASE,
        'callProcessRecordsEvenForEmptyRecordList = yes',
        'cleanupLeasesUponShardCompletion = TRUE',
        'ignoreUnexpectedChildShards = true ',
        'skipShardSyncAtWorkerInitializationIfLeasesExist = maybe',
      ]),
    );
    expect(ds.map((d) => [d.key, d.line])).toEqual([
      ['ignoreUnexpectedChildShards', 8],
      ['skipShardSyncAtWorkerInitializationIfLeasesExist', 9],
    ]);
    expect(ds[0]!.message).toContain('trailing whitespace');
  });

  it('checks enums case-insensitively but rejects trailing whitespace and AT_TIMESTAMP', () => {
    const ds = errors(
      check([
        ...BASE,
        'metricsLevel = none',
        'retrievalMode = polling ',
        'initialPositionInStream = AT_TIMESTAMP',
        'clientVersionConfig = CLIENT_VERSION_CONFIG_3X',
        'workerMetricsBillingMode = ONDEMAND',
      ]),
    );
    expect(ds.map((d) => d.key)).toEqual(['retrievalMode', 'initialPositionInStream', 'workerMetricsBillingMode']);
    expect(ds[1]!.message).toContain('initialPositionInStreamExtended');
    expect(ds[2]!.message).toContain('PAY_PER_REQUEST');
  });

  it('checks endpoints, durations and unsettable keys', () => {
    const ds = errors(
      check([
        ...BASE,
        'kinesisEndpoint = 127.0.0.1:4568',
        'staleWorkerMetricsEntryCleanupDuration = 1h',
        'shardPrioritization = parent',
      ]),
    );
    expect(ds.map((d) => d.key)).toEqual(['kinesisEndpoint', 'staleWorkerMetricsEntryCleanupDuration', 'shardPrioritization']);
  });

  it('rejects timeoutInSeconds = 0 and flags keys without effect', () => {
    expect(errors(check([...BASE, 'timeoutInSeconds = 0'])).map((d) => d.key)).toEqual(['timeoutInSeconds']);
    const w = warnings(check([...BASE, 'validateSequenceNumberBeforeCheckpointing = true']));
    expect(w.map((d) => d.message)).toEqual([expect.stringContaining('no effect')]);
  });

  it('warns about duplicate keys naming both lines', () => {
    const ds = warnings(check([...BASE, 'streamName = other']));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ key: 'streamName', line: 6 });
    expect(ds[0]!.message).toContain('line 2');
  });

  it('warns when shutdownGraceMillis is missing or 0', () => {
    const without = warnings(check(BASE.filter((l) => !l.startsWith('shutdown'))));
    expect(without.map((d) => d.key)).toEqual(['shutdownGraceMillis']);
    expect(warnings(check([...BASE.filter((l) => !l.startsWith('shutdown')), 'shutdownGraceMillis = 0']))).toHaveLength(1);
  });
});

describe('executableName', () => {
  const exe = (v: string) => check([...BASE.filter((l) => !l.startsWith('executableName')), `executableName = ${v}`]);

  it('resolves a bare name on PATH', () => {
    expect(exe('mychild --flag')).toEqual([]);
    const ds = errors(exe('nosuchprogram arg'));
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain("'nosuchprogram' not found");
    expect(ds[0]!.message).toContain(binDir);
  });

  it('resolves a relative path against the working directory, not PATH', () => {
    expect(exe('./app.sh')).toEqual([]);
    expect(exe('app.sh')).not.toEqual([]); // no slash: PATH lookup, and dir is not on PATH
    expect(errors(exe('./not-exec.sh'))).toHaveLength(1);
    expect(errors(exe(`${dir}/app.sh`))).toEqual([]);
  });

  it('explains a path containing a space', () => {
    const ds = errors(exe('./my app.sh'));
    expect(ds.map((d) => d.message).join('\n')).toMatch(/path containing a space/);
  });

  it('warns when a missing program looks like a path with a space', () => {
    const ds = exe('/opt/My Apps/bin/run --x');
    expect(errors(ds).map((d) => d.message)).toEqual([expect.stringContaining("'/opt/My' not found")]);
    expect(warnings(ds).map((d) => d.message)).toEqual([expect.stringContaining('looks like a path containing a space')]);
    expect(warnings(exe('./missing --flag'))).toEqual([]);
  });

  it('warns about shell syntax and quotes', () => {
    expect(warnings(exe('mychild $HOME/x')).map((d) => d.message).join()).toContain('no shell');
    expect(warnings(exe('mychild "a b"')).map((d) => d.message).join()).toContain('quotes');
  });

  it('splits like String.split(" +")', () => {
    expect(splitExecutable('node  dist/app.js ')).toEqual(['node', 'dist/app.js']);
    expect(splitExecutable(' node')).toEqual(['', 'node']);
  });
});

describe('validatePropertiesFile', () => {
  it('reports a malformed \\u escape with its line', () => {
    const f = path.join(dir, 'bad.properties');
    writeFileSync(f, 'a=1\nb=\\u12\n');
    const r = validatePropertiesFile(f, { cwd: dir, env: { PATH: binDir } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toEqual([{ severity: 'error', file: f, line: 2, message: 'Malformed \\uxxxx encoding.' }]);
  });

  it('warns about UTF-8 text the daemon reads as ISO-8859-1', () => {
    const f = path.join(dir, 'utf8.properties');
    writeFileSync(f, ['# comments may say anything: é', ...BASE, 'workerId = wörker'].join('\n'), 'utf8');
    const r = validatePropertiesFile(f, { cwd: dir, env: { PATH: binDir } });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.severity, d.line])).toEqual([['warning', 7]]);
  });

  it('reports an unreadable file', () => {
    const r = validatePropertiesFile(path.join(dir, 'missing.properties'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.message).toContain('cannot read');
  });
});

describe('helpers', () => {
  it('getTimeoutSeconds reads a positive integer only', () => {
    expect(getTimeoutSeconds(parseProperties('timeoutInSeconds = 45 \n'))).toBe(45);
    expect(getTimeoutSeconds(parseProperties('timeoutInSeconds = 0\n'))).toBeUndefined();
    expect(getTimeoutSeconds(parseProperties('timeoutInSeconds = abc\n'))).toBeUndefined();
    expect(getTimeoutSeconds(parseProperties('a = 1\n'))).toBeUndefined();
  });

  it('getShutdownGraceMillis reads a positive Java long only (0, the default, is no graceful stop)', () => {
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 30000 \n'))).toBe(30000);
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = +500\n'))).toBe(500);
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 0\n'))).toBeUndefined();
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = -5\n'))).toBeUndefined();
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 30s\n'))).toBeUndefined();
    // Above Long.MAX_VALUE the daemon's converter gives up and uses 0.
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 9223372036854775808\n'))).toBeUndefined();
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 9223372036854775807\n'))).toBeGreaterThan(0);
    // An int key's limit does not apply to a long.
    expect(getShutdownGraceMillis(parseProperties('shutdownGraceMillis = 3000000000\n'))).toBe(3_000_000_000);
    expect(getTimeoutSeconds(parseProperties('timeoutInSeconds = 3000000000\n'))).toBeUndefined();
  });

  it('editDistance and suggestKey', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(suggestKey('metricslevel')).toBe('metricsLevel');
    expect(suggestKey('maxRecrods')).toBe('maxRecords');
    expect(suggestKey('zzzzzzzz')).toBeUndefined();
  });
});
