/**
 * The package as users meet it: packed with `npm pack`, installed into empty projects.
 * Slow (npm installs), so it runs once per `npm test` with generous timeouts.
 */
import { execFileSync, spawnSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kcl-ts-pack-'));
let tarball = '';

/** npm and vitest in a clean environment (no variables of the vitest running this test). */
function sh(cmd: string, args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  const options: ExecFileSyncOptions = { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 };
  try {
    return execFileSync(cmd, args, options) as string;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

beforeAll(() => {
  sh('npm', ['pack', '--pack-destination', work, '--loglevel=error'], ROOT);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships dist, bin and the properties templates, not sources or tests', () => {
    const listing = sh('tar', ['-tzf', tarball], work);
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/dist/testing/index.js');
    expect(listing).toContain('package/dist/compat/index.cjs');
    expect(listing).toContain('package/bin/kcl-ts.js');
    expect(listing).toContain('package/properties/local.properties');
    // Read at run time by kcl-ts run/jars; tsc copies them only because tsconfig lists them.
    expect(listing).toContain('package/dist/host/locks/kcl-multilang-3.1.3.json');
    expect(listing).toContain('package/dist/host/locks/dynamodb-local-3.3.1.json');
    expect(listing).not.toMatch(/package\/(src|test|scripts|examples)\//);
  });
});

describe('installed into an empty project', () => {
  it('runs a consumer written against the public API under the strict fake daemon; the CommonJS compat entry and the bin work', async () => {
    const app = join(work, 'consumer');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module' }));
    sh('npm', [...NPM_INSTALL, tarball], app);
    writeFileSync(
      join(app, 'app.js'),
      `import { run } from 'kcl-ts';
let n = 0;
await run({
  processRecords({ records }) { for (const r of records) n += r.data.length; },
  leaseLost() { console.log('bytes', n); },
}, { checkpoint: { everyRecords: 100 } });
`,
    );
    const daemon = FakeDaemon.spawn(process.execPath, ['app.js'], { cwd: app, timeoutMs: 20_000 });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 });
    const batch = makeBatch(150, 0, () => 'abcd');
    const x = await daemon.send(batch);
    expect(x.messages).toEqual([
      { action: 'checkpoint', sequenceNumber: batch.records[149]!.sequenceNumber, subSequenceNumber: 0 },
      { action: 'status', responseFor: 'processRecords' },
    ]);
    await daemon.send({ action: 'leaseLost' });
    const end = await daemon.close();
    expect(end.exitCode).toBe(0);
    expect(end.stderr).toContain('bytes 600'); // console.log went to stderr

    expect(sh(process.execPath, ['-e', "console.log(typeof require('kcl-ts/compat'))"], app).trim()).toBe('function');
    expect(sh(join(app, 'node_modules/.bin/kcl-ts'), ['--version'], app).trim()).toMatch(/^\d+\.\d+\.\d+/);
    // The bundled lock is read (and checked with zod) from the installed package.
    expect(sh(join(app, 'node_modules/.bin/kcl-ts'), ['jars', '--help'], app)).toContain('131 jars of software.amazon.kinesis:amazon-kinesis-client-multilang:3.1.3');
    // The local loop's commands load their tools from the project only when they run...
    expect(sh(join(app, 'node_modules/.bin/kcl-ts'), ['dev', '--help'], app)).toMatch(/^Usage: kcl-ts dev /);
    expect(sh(join(app, 'node_modules/.bin/kcl-ts'), ['status', '--help'], app)).toMatch(/^Usage: kcl-ts status /);
    // ...and a project without them is told, in one line, what to install.
    const dev = spawnSync(join(app, 'node_modules/.bin/kcl-ts'), ['dev'], { cwd: app, encoding: 'utf8' });
    expect(dev.status).toBe(2);
    expect(dev.stderr).toBe(
      `kcl-ts dev needs kinesis-local, @aws-sdk/client-kinesis, @aws-sdk/client-dynamodb in this project (looked from ${app}): npm install -D kinesis-local @aws-sdk/client-kinesis @aws-sdk/client-dynamodb\n`,
    );
  });

  it('kcl-ts init scaffolds a project whose own test passes', () => {
    const project = join(work, 'scaffolded');
    sh(process.execPath, [join(ROOT, 'bin/kcl-ts.js'), 'init', project, '--kcl-ts', `file:${tarball}`], work);
    sh('npm', NPM_INSTALL, project);
    const out = sh('npx', ['vitest', 'run'], project);
    expect(out).toMatch(/1 passed/);
    // The scaffold type-checks against the published declarations.
    sh('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], project);
    expect(sh(join(project, 'node_modules/.bin/kcl-ts'), ['validate', '--no-exec', 'app.local.properties'], project)).toContain('OK');
    // npm run demo is kcl-ts dev, and what it loads is installed with the project.
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.scripts['demo']).toBe('kcl-ts dev');
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['kinesis-local', '@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb']));
    expect(sh('npm', ['run', '--silent', 'demo', '--', '--help'], project)).toMatch(/^Usage: kcl-ts dev /);
    // npm install of the scaffold (the AWS SDK clients and kinesis-local included) took 16-32 s here
  }, 240_000);
});
