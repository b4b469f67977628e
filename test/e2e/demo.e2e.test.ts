/**
 * `npm run demo` end to end, small: the sample consumer in examples/ (importing the built
 * package as `kcl-ts`) under the real daemon; every record arrives, the final checkpoints
 * land, and the demo leaves no process behind.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/kcl.js';
import { spawnManaged, stopAll, waitFor } from '../harness/processes.js';

describe('npm run demo', () => {
  afterAll(async () => {
    await stopAll();
  });

  it('runs the sample consumer under the real daemon and finds every record', async () => {
    const demo = spawnManaged(
      'demo',
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(REPO_ROOT, 'scripts', 'demo.ts'), '--records', '600', '--rate', '1000', '--timeout', '120'],
      { cwd: REPO_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    const exit = await demo.waitForExit(240_000);
    // the summary is the demo's last output: Node may report the exit before it has read it
    await demo.waitForOutputEnd(20_000);
    const output = demo.recentOutput();
    console.log(output.split('\n').filter((l) => /summary|records|missing|daemon start|graceful|every record|checkpoint/.test(l)).join('\n'));
    expect(exit.code, output).toBe(0);
    expect(output).toContain('every record arrived');
    expect(output).toMatch(/records consumed\s+600 \(600 distinct, 0 delivered more than once\)/);
    expect(output).not.toContain('✗');
    // the demo's own processes (stand-ins, daemon, children) are gone with it; a loaded
    // machine may take a moment to reap the last JVM, so wait for it, within reason
    await waitFor('the demo process group to be empty', () => !demo.groupAlive(), 20_000);
  });
});
