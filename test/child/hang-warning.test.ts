import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeDaemon, makeBatch } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function slowChild(env: NodeJS.ProcessEnv): FakeDaemon {
  return FakeDaemon.spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/child/fixtures/slow.ts')], { cwd: ROOT, env: { ...process.env, ...env }, timeoutMs: 15_000 });
}

describe('a processor that takes too long', () => {
  it('is reported on stderr at half the daemon’s timeoutInSeconds, naming the action and the limit', async () => {
    const daemon = slowChild({ KCL_TS_TIMEOUT_SECONDS: '2', SLOW_MS: '2600' });
    await daemon.send({ action: 'initialize', shardId: 'shardId-000000000000', sequenceNumber: null, subSequenceNumber: null });
    await daemon.send(makeBatch(1));
    const end = await daemon.close();
    const warnings = end.stderr.split('\n').filter((l) => l.includes('has not finished'));
    expect(warnings.length).toBeGreaterThanOrEqual(2); // at ~1 s and ~2 s
    expect(warnings[0]).toContain('processRecords has not finished after 1 s: the daemon halts the whole worker at timeoutInSeconds = 2');
    // One line, bound to the shard, as the daemon's log shows it.
    expect(warnings[0]).toMatch(/^kcl-ts: warn shardId-000000000000: processRecords has not finished/);
  });

  it('is quiet when handlers are quick', async () => {
    const daemon = slowChild({ KCL_TS_TIMEOUT_SECONDS: '2', SLOW_MS: '10' });
    await daemon.send({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null });
    await daemon.send(makeBatch(1));
    expect((await daemon.close()).stderr).toBe('');
  });

  it('rejects a malformed KCL_TS_TIMEOUT_SECONDS by name', async () => {
    const daemon = slowChild({ KCL_TS_TIMEOUT_SECONDS: 'soon' });
    const end = await daemon.exited();
    expect(end.exitCode).toBe(1);
    expect(end.stderr).toMatch(/KCL_TS_TIMEOUT_SECONDS must be a number > 0, got "soon"/);
  });
});
