import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP, GITIGNORE, PROCESSOR, TEST, TRANSCRIPT, TSCONFIG, packageJson, readme, type InitContext } from '../templates/init.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface OwnPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as OwnPackage;
}

/** What `kcl-ts dev` loads from the project (src/local/sdk.ts), at the versions kcl-ts is tested with. */
const DEV_TOOLS: Record<string, string> = {
  'kinesis-local': '^0.6.2',
  '@aws-sdk/client-kinesis': '^3.1143.0',
  '@aws-sdk/client-dynamodb': '^3.1169.0',
};

function devTools(own: OwnPackage): Record<string, string> {
  return Object.fromEntries(Object.entries(DEV_TOOLS).map(([name, fallback]) => [name, own.devDependencies?.[name] ?? fallback]));
}

/** The shipped properties templates, with this project's command and names. */
function properties(template: string, name: string, executableName: string, stream: string): string {
  const text = readFileSync(path.join(PACKAGE_ROOT, 'properties', template), 'utf8');
  return text
    .replace(/^executableName\s*=.*$/m, `executableName = ${executableName}`)
    .replace(/^streamName\s*=.*$/m, `streamName = ${stream}`)
    .replace(/^applicationName\s*=.*$/m, `applicationName = ${name}`);
}

export const initCommand: Command = {
  name: 'init',
  summary: 'scaffold a consumer project (processor, properties, scripts, a transcript test)',
  help: `Usage: kcl-ts init [dir] [options]

Writes a consumer project that works at once into dir (default: the current directory):
  package.json        scripts start (AWS), demo (kcl-ts dev: local stand-ins, records, a summary),
                      test, build; devDependencies include what kcl-ts dev needs
                      (kinesis-local, @aws-sdk/client-kinesis, @aws-sdk/client-dynamodb)
  src/processor.ts    a RecordProcessor to fill in
  src/app.ts          run(new Processor(), { checkpoint: { everyRecords: 1000, everySeconds: 60 } })
  app.properties      for AWS (runs "node dist/app.js"; build first)
  app.local.properties  for npm run demo: kcl-ts dev runs a copy pointed at its stand-ins
                      (runs "node --import tsx src/app.ts": one process per shard, no npx)
  test/processor.test.ts, test/transcripts/basic.jsonl   a vitest test replaying a transcript
Then: npm install && npm test && npm run demo.

Options:
  --name NAME        package and application name (default: the directory's name; the
                     application, which names the lease table, gets "-app" when shorter than 3)
  --stream NAME      the Kinesis stream (default: my-stream)
  --kcl-ts SPEC      the kcl-ts dependency (default: ^<this version>; e.g. a path or tarball)
  --force            overwrite existing files
  -h, --help         show this help
`,
  async run(argv, io) {
    const parsed = parseCommandArgs(this, argv, io, { name: { type: 'string' }, stream: { type: 'string' }, 'kcl-ts': { type: 'string' }, force: { type: 'boolean' } }, true);
    if (!parsed) return 0;
    if (parsed.positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = path.resolve(io.cwd, parsed.positionals[0] ?? '.');
    const name = str(parsed.values['name']) ?? path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]/g, '-');
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new UsageError(`"${name}" is not a valid package name: pass --name`);
    const stream = str(parsed.values['stream']) ?? 'my-stream';
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(stream)) throw new UsageError(`--stream "${stream}" is not a Kinesis stream name: 1 to 128 characters of A-Z a-z 0-9 _ - .`);
    // The application name is the lease table's, and DynamoDB wants 3 characters at least.
    const application = name.length >= 3 ? name : `${name}-app`;
    const own = ownPackage();
    const ctx: InitContext = { name, kclTsSpec: str(parsed.values['kcl-ts']) ?? `^${own.version}`, devTools: devTools(own) };
    const files: [string, string][] = [
      ['package.json', packageJson(ctx)],
      ['tsconfig.json', TSCONFIG],
      ['.gitignore', GITIGNORE],
      ['README.md', readme(ctx)],
      ['src/processor.ts', PROCESSOR],
      ['src/app.ts', APP],
      ['app.properties', properties('production.properties', application, 'node dist/app.js', stream)],
      ['app.local.properties', properties('local.properties', application, 'node --import tsx src/app.ts', stream)],
      ['test/processor.test.ts', TEST],
      ['test/transcripts/basic.jsonl', TRANSCRIPT],
    ];
    const existing = files.map(([f]) => f).filter((f) => existsSync(path.join(dir, f)));
    if (existing.length > 0 && parsed.values['force'] !== true) {
      io.stderr(`kcl-ts init: ${dir} already has ${existing.join(', ')}; nothing written (use --force to overwrite)\n`);
      return 1;
    }
    for (const [file, text] of files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    io.stdout(`Wrote ${files.length} files to ${dir}\nNext: cd ${path.relative(io.cwd, dir) || '.'} && npm install && npm test && npm run demo\n`);
    return 0;
  },
};
