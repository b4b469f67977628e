import path from 'node:path';
import { formatDiagnostic } from '../../host/properties/diagnostic.js';
import { validatePropertiesFile } from '../../host/properties/validate.js';
import { loadLocalSdk, MissingPackagesError } from '../../local/sdk.js';
import { readStatus, statusTable, statusTarget, StatusSetupError } from '../../local/status.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

export const statusCommand: Command = {
  name: 'status',
  summary: "show an application's lease table: each shard's owner, checkpoint and how far behind it is",
  help: `Usage: kcl-ts status --properties FILE [--json]

Reads the lease table the daemon keeps in DynamoDB (table = applicationName) and shows one
row per lease: the shard, the worker owning it, its checkpoint (a sequence number, or
TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END), the lease counter (goes up with every
renewal: a counter that stands still belongs to a dead worker), and the parent shards.
When the stream can be read, "behind" counts the records after each checkpoint (up to
10,000, shown as ≥10000 beyond; reading costs GetRecords calls) and how far behind the
shard's newest record that is, in time.

Where: the properties' dynamoDBEndpoint and kinesisEndpoint when set (the stand-ins of
kcl-ts dev --keep: pass the copy it prints), else AWS in regionName (or AWS_REGION), with
the AWS SDK's default credential chain (environment, ~/.aws profiles, SSO, roles).
Against 127.0.0.1 endpoints any credentials do, and none are needed.

Needs @aws-sdk/client-dynamodb and @aws-sdk/client-kinesis in your project (kcl-ts init
adds them): npm install -D @aws-sdk/client-dynamodb @aws-sdk/client-kinesis

Exit status: 0 with the table; 1 when the table cannot be read (missing table,
unreachable endpoint, no credentials; its one line says which); 2 for bad arguments.

Options:
  -p, --properties FILE   the daemon's properties (required; may also be the only argument)
  --json                  print {applicationName, stream, streamError, leases: [{shardId,
                          leaseKey, owner, checkpoint, checkpointSubSequenceNumber,
                          leaseCounter, parentShardIds, behind: {records, capped,
                          millisBehindLatest} | null}]} instead of the table
  -h, --help              show this help
`,
  async run(argv, io) {
    const parsed = parseCommandArgs(this, argv, io, { properties: { type: 'string', short: 'p' }, json: { type: 'boolean' } }, true);
    if (!parsed) return 0;
    let props = str(parsed.values['properties']);
    if (parsed.positionals.length > 0) {
      if (props !== undefined || parsed.positionals.length > 1) throw new UsageError(`unexpected argument: ${parsed.positionals.join(' ')}`);
      props = parsed.positionals[0];
    }
    if (props === undefined || props === '') throw new UsageError('missing --properties FILE');
    const file = path.resolve(io.cwd, props);
    // Only the file's syntax matters here: a status needs no runnable executableName.
    const result = validatePropertiesFile(file, { cwd: io.cwd, env: io.env });
    if (!result.parsed) {
      for (const d of result.diagnostics) io.stderr(`${formatDiagnostic({ ...d, file: props })}\n`);
      return 2;
    }
    // The SDK's Node-version notice is about kcl-ts's use of it, not the user's code.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    try {
      const sdk = loadLocalSdk('status', io.cwd, false);
      const status = await readStatus(sdk, statusTarget(result.parsed, props, io.env), props);
      io.stdout(parsed.values['json'] === true ? `${JSON.stringify(status, null, 2)}\n` : statusTable(status));
      return 0;
    } catch (err) {
      if (err instanceof MissingPackagesError) {
        io.stderr(`${err.message}\n`);
        return 2;
      }
      if (err instanceof StatusSetupError) {
        io.stderr(`kcl-ts status: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
