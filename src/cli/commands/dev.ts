import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../../host/properties/diagnostic.js';
import { validatePropertiesFile } from '../../host/properties/validate.js';
import { devNames, isMootForDev } from '../../local/dev-properties.js';
import { runDev } from '../../local/dev.js';
import { generatedRecords, readRecordsFile, RecordsFileError } from '../../local/records.js';
import { loadLocalSdk, MissingPackagesError, type LocalSdk } from '../../local/sdk.js';
import type { RecordToPut } from '../../local/stream.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

const DEFAULTS = { properties: 'app.local.properties', shards: 2, records: 1000, rate: 250, timeout: 90 };

/** A whole number in [min, max] from option `--name`, or a UsageError naming the option. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'run your processor under the real daemon against local stand-ins, with records, until all are consumed',
  help: `Usage: kcl-ts dev [--properties FILE] [--shards N] [--records N | --produce FILE.jsonl] [options]

The whole pipeline on this machine, no AWS account needed:
  1. starts kinesis-local and DynamoDB Local on free 127.0.0.1 ports (DynamoDB Local's
     jars and the daemon's are locked, SHA-256-verified and cached, fetched the first time),
  2. creates the stream named in your properties with N shards, and its lease table,
  3. runs the real KCL MultiLangDaemon with YOUR processor (your executableName), on a
     temporary copy of your properties pointed at the stand-ins (your file is not
     touched; the copy is in the work directory, each change it makes is printed),
  4. puts the records (generated, or yours from a file), shows progress per shard,
  5. stops the daemon gracefully once every record was consumed (the children get
     shutdownRequested and checkpoint), prints a summary, stops everything.
Exit status: 0 only when every record arrived; 1 when not (timeout, daemon exited, a
failure); 2 for bad arguments or a missing package; 130 after Ctrl-C. Ctrl-C once: the
same graceful stop and summary; twice: kill every process now.

How it knows (your processor is not changed): each child runs behind a tap that
forwards the daemon's messages untouched and notes them. A record counts as consumed
once your processor has finished the processRecords batch holding it (its handler
returned, kcl-ts answered the daemon). The checkpoint column is the lease table's
(DynamoDB): how many of the shard's records it covers, or TRIM_HORIZON/SHARD_END.
"behind" is records produced on the shard and not yet consumed.

Your project needs kinesis-local, @aws-sdk/client-kinesis and @aws-sdk/client-dynamodb
(kcl-ts init adds them): npm install -D kinesis-local @aws-sdk/client-kinesis @aws-sdk/client-dynamodb

Options:
  -p, --properties FILE   your daemon properties (default ${DEFAULTS.properties}); streamName
                          and applicationName name the stream and the lease table
  --shards N              shards of the stream (default ${DEFAULTS.shards})
  --records N             generated records to put (default ${DEFAULTS.records}), JSON payloads
  --produce FILE.jsonl    put these instead: one {"partitionKey": "...", "data": ...} per
                          line (data: a string, put as UTF-8, or any JSON value, put as its
                          JSON text; optional "explicitHashKey"); checked before anything starts
  --rate N                records per second (default ${DEFAULTS.rate})
  --timeout S             fail when not every record arrived S seconds after the last was
                          put (default ${DEFAULTS.timeout}; start-up takes ~10-30 s)
  --keep                  after the summary, keep the stand-ins running (and the work
                          directory) until Ctrl-C, e.g. for kcl-ts status on the copy
  --record DIR            also write a transcript per shard lease into DIR (kcl-ts record)
  --verbose               echo the daemon's and the stand-ins' logs (and your processor's stderr)
  -h, --help              show this help
`,
  async run(argv, io) {
    const parsed = parseCommandArgs(this, argv, io, {
      properties: { type: 'string', short: 'p' },
      shards: { type: 'string' },
      records: { type: 'string' },
      produce: { type: 'string' },
      rate: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      record: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    if (!parsed) return 0;
    const v = parsed.values;
    const shards = integerOption('shards', str(v['shards']), DEFAULTS.shards, 1, 64);
    const rate = integerOption('rate', str(v['rate']), DEFAULTS.rate, 1, 100_000);
    const timeoutSeconds = integerOption('timeout', str(v['timeout']), DEFAULTS.timeout, 1, 86_400);
    const produceFile = str(v['produce']);
    if (produceFile !== undefined && v['records'] !== undefined) throw new UsageError('give --records N or --produce FILE, not both');
    if (produceFile === '') throw new UsageError('--produce needs a file name');
    const recordDir = str(v['record']);
    if (recordDir === '') throw new UsageError('--record needs a directory');
    const propertiesShown = str(v['properties']) ?? DEFAULTS.properties;
    let records: RecordToPut[];
    try {
      records =
        produceFile !== undefined
          ? readRecordsFile(path.resolve(io.cwd, produceFile), produceFile)
          : generatedRecords(integerOption('records', str(v['records']), DEFAULTS.records, 1, 10_000_000));
    } catch (err) {
      if (!(err instanceof RecordsFileError)) throw err;
      io.stderr(`kcl-ts dev: ${err.message}\n`);
      return 2;
    }

    // The SDK's Node-version notice concerns kcl-ts's own use of it here, not the user's
    // code: keep it out of the output (the daemon and the processor get the env as it was).
    const env = { ...io.env };
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    let sdk: LocalSdk;
    try {
      sdk = loadLocalSdk('dev', io.cwd, true);
    } catch (err) {
      if (!(err instanceof MissingPackagesError)) throw err;
      io.stderr(`${err.message}\n`);
      return 2;
    }

    const propertiesFile = path.resolve(io.cwd, propertiesShown);
    if (!existsSync(propertiesFile)) {
      io.stderr(`kcl-ts dev: no ${propertiesShown} in ${io.cwd}: pass --properties FILE (the daemon properties of your processor)\n`);
      return 2;
    }
    const result = validatePropertiesFile(propertiesFile, { cwd: io.cwd, env });
    const diagnostics = result.diagnostics.filter((d) => d.key === undefined || !isMootForDev(d.key, d.line !== undefined));
    for (const d of diagnostics) io.stderr(`${formatDiagnostic({ ...d, file: propertiesShown })}\n`);
    if (diagnostics.some((d) => d.severity === 'error') || !result.parsed) {
      io.stderr(`kcl-ts dev: ${propertiesShown} has errors (see above)\n`);
      return 1;
    }
    try {
      devNames(result.parsed, propertiesShown);
    } catch (err) {
      io.stderr(`kcl-ts dev: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
    return runDev(
      {
        sdk,
        projectDir: io.cwd,
        parsed: result.parsed,
        propertiesShown,
        shards,
        records,
        rate,
        timeoutSeconds,
        keep: v['keep'] === true,
        recordDir,
        verbose: v['verbose'] === true,
        env,
      },
      { stdout: io.stdout, stderr: io.stderr, tty: process.stderr.isTTY === true },
    );
  },
};
