/** The files `kcl-ts init` writes, as functions of the project's name. */

export interface InitContext {
  readonly name: string;
  /** The kcl-ts dependency spec to put in package.json. */
  readonly kclTsSpec: string;
  /**
   * What `kcl-ts dev` (npm run demo) loads from the project: kinesis-local and the AWS SDK
   * clients, with the versions kcl-ts itself is tested with.
   */
  readonly devTools: Readonly<Record<string, string>>;
}

function sorted(deps: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function packageJson(ctx: InitContext): string {
  return `${JSON.stringify(
    {
      name: ctx.name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        build: 'tsc -p tsconfig.json',
        start: 'kcl-ts run --properties app.properties',
        // kcl-ts dev: stand-ins, the daemon, records, a summary; `npm run demo -- --records 300`
        demo: 'kcl-ts dev',
        test: 'vitest run',
      },
      dependencies: { 'kcl-ts': ctx.kclTsSpec },
      devDependencies: sorted({ '@types/node': '^20.19.0', tsx: '^4.19.0', typescript: '~5.9.0', vitest: '^4.0.0', ...ctx.devTools }),
      engines: { node: '>=20' },
    },
    null,
    2,
  )}\n`;
}

export const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "skipLibCheck": true,
    "outDir": "dist",
    "rootDir": "src",
    "types": ["node"]
  },
  "include": ["src"]
}
`;

export const GITIGNORE = 'node_modules/\ndist/\n';

export const PROCESSOR = `import type { InitializeInput, ProcessRecordsInput, RecordProcessor, ShardEndedInput } from 'kcl-ts';

/**
 * One instance per shard lease. Records arrive in order; resolving processRecords means
 * every record in the batch is done, and the checkpoint policy in app.ts may then
 * checkpoint past them. Throw to have the batch retried (and, after the retries, the
 * shard restarted from its last checkpoint): a record is never skipped silently.
 */
export class Processor implements RecordProcessor {
  private shardId = '';
  processed = 0;

  initialize(input: InitializeInput): void {
    this.shardId = input.shardId;
    input.logger.info({ from: input.sequenceNumber }, 'lease started');
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    for (const record of input.records) {
      // Your work here: record.text(), record.json(), or record.data (a Buffer).
      input.logger.trace({ sequenceNumber: record.sequenceNumber, text: record.text() }, 'record');
      this.processed++;
    }
    input.logger.debug({ shardId: this.shardId, records: input.records.length }, 'batch done');
  }

  leaseLost(): void {
    // Another worker owns the shard now; it resumes from the last checkpoint.
  }

  shardEnded(input: ShardEndedInput): void {
    // The shard was split or merged; kcl-ts checkpoints its end after this returns.
    input.logger.info('shard ended');
  }
}
`;

export const APP = `import { run } from 'kcl-ts';
import { Processor } from './processor.js';

// The MultiLangDaemon starts this once per shard lease (executableName in the properties).
await run(new Processor(), { checkpoint: { everyRecords: 1000, everySeconds: 60 } });
`;

export const TRANSCRIPT = [
  { comment: 'A lease from TRIM_HORIZON: one batch of two records, then the shard ends. See the kcl-ts README for the format.' },
  { dir: 'to_child', message: { action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 } },
  { dir: 'from_child', message: { action: 'status', responseFor: 'initialize' } },
  {
    dir: 'to_child',
    message: {
      action: 'processRecords',
      millisBehindLatest: 0,
      records: [
        { data: Buffer.from('hello').toString('base64'), partitionKey: 'a', sequenceNumber: '49680505993805844606337336502500757501366790287444148226', approximateArrivalTimestamp: 1795480041377, subSequenceNumber: 0, action: 'record' },
        { data: Buffer.from('world').toString('base64'), partitionKey: 'b', sequenceNumber: '49680505993805844606337336502501966427186404916618854402', approximateArrivalTimestamp: 1795480041377, subSequenceNumber: 0, action: 'record' },
      ],
    },
  },
  { dir: 'from_child', message: { action: 'status', responseFor: 'processRecords' } },
  { dir: 'to_child', message: { action: 'shardEnded' } },
  { dir: 'from_child', message: { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null } },
  { dir: 'to_child', message: { action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null, error: null } },
  { dir: 'from_child', message: { action: 'status', responseFor: 'shardEnded' } },
]
  .map((e) => JSON.stringify(e))
  .join('\n')
  .concat('\n');

export const TEST = `import { expect, it } from 'vitest';
import { replay } from 'kcl-ts/testing';
import { Processor } from '../src/processor.js';

it('processes a recorded lease and checkpoints the shard end', async () => {
  const processor = new Processor();
  const result = await replay(new URL('./transcripts/basic.jsonl', import.meta.url).pathname, processor);
  expect(result.error).toBeUndefined();
  expect(result.written).toEqual(result.expected);
  expect(processor.processed).toBe(2);
});
`;

export function readme(ctx: InitContext): string {
  return `# ${ctx.name}

A Kinesis consumer on the KCL MultiLangDaemon, with [kcl-ts](https://www.npmjs.com/package/kcl-ts).

- \`npm test\`: replays \`test/transcripts/basic.jsonl\` against the processor.
- \`npm run demo\`: \`kcl-ts dev\`, the whole pipeline on this machine: kinesis-local and DynamoDB Local
  on free ports, the real KCL daemon running this processor (\`app.local.properties\`, pointed at the
  stand-ins in a temporary copy), 1,000 records put, progress per shard, a summary. Needs Java; the
  first run downloads the daemon's and DynamoDB Local's jars (~120 MB, checked against their SHA-256, cached).
  \`npm run demo -- --records 300\`, \`-- --produce records.jsonl\`, \`-- --help\` for the rest.
- \`npm run build && npm start\`: runs the daemon with \`app.properties\` (AWS; edit the stream and application names).

The processor is \`src/processor.ts\`; \`src/app.ts\` starts it with a checkpoint policy.
`;
}
