/**
 * `npm run demo` end to end, small: `kcl-ts dev` on the sample consumer in examples/
 * (importing the built package as `kcl-ts`) under the real daemon; every record arrives,
 * the final checkpoints land, and the demo leaves no process behind.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/kcl.js';
import { watchTree } from '../harness/process-tree.js';
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
    const tree = watchTree(demo.pid);
    const exit = await demo.waitForExit(240_000);
    tree.stop();
    // the summary is the demo's last output: Node may report the exit before it has read it
    await demo.waitForOutputEnd(20_000);
    const output = demo.recentOutput();
    console.log(output.split('\n').filter((l) => /summary|shardId|total|first record|every record|graceful/.test(l)).join('\n'));
    expect(exit.code, output).toBe(0);
    expect(output).toContain('every record arrived (600 of 600)');
    expect(output).toMatch(/^total\s+600\s+600\s+\(0 delivered again\)$/m);
    // the demo's 4 shards, each checkpointed at its last record by the graceful stop
    const shardLines = output.split('\n').filter((l) => /^shardId-\d+\s+\d+\s+\d+\s/.test(l));
    expect(shardLines).toHaveLength(4);
    for (const line of shardLines) {
      const [, produced, consumed, covered, of] = /^shardId-\d+\s+(\d+)\s+(\d+)\s+after record (\d+) of (\d+) /.exec(line) ?? [];
      expect(consumed, line).toBe(produced);
      expect(covered, line).toBe(produced);
      expect(of, line).toBe(produced);
    }
    // the demo's own processes (stand-ins, daemon, children: each in a group of its own)
    // are gone with it; a loaded machine may take a moment to reap the last JVM
    const started = tree.seen().map((p) => p.command);
    expect(started.some((c) => /MultiLangDaemon/.test(c)), started.join('\n')).toBe(true);
    expect(started.some((c) => /DynamoDBLocal|ServerRunner/.test(c))).toBe(true);
    expect(started.some((c) => /kinesis-local/.test(c))).toBe(true);
    await waitFor('every process the demo started to be gone', () => tree.alive().length === 0, 20_000).catch(() => {
      throw new Error(`still running:\n${tree.alive().map((p) => `${p.pid} ${p.command}`).join('\n')}`);
    });
  });
});
