/**
 * A processor that hangs, with the real daemon started by `kcl-ts run`: the properties set
 * `timeoutInSeconds`, `kcl-ts run` passes it to the children (KCL_TS_TIMEOUT_SECONDS), and
 * the child warns on stderr at half of it. The daemon copies the warning into its output
 * before it halts the worker at the full timeout.
 */
import { describe, expect, it } from 'vitest';
import { useScenario } from '../harness/scenario.js';

// generous: the wait for the child's first answer (tsx start-up) has this deadline too
const TIMEOUT_SECONDS = 16;

describe('a hanging processor under the real daemon', () => {
  const s = useScenario({ streams: [{ name: 'slow', shards: 1, app: 'faults-hang-app' }], processor: 'test/faults/processors/killing.ts' });

  it(`warns at timeoutInSeconds / 2 = ${TIMEOUT_SECONDS / 2} s, in the daemon's output, before the daemon halts`, async () => {
    await s.put(Array.from({ length: 10 }, (_, i) => ({ data: `s-${i}`, partitionKey: `k-${i}` })));
    const d = await s.kclTsRun('hang', {
      name: 'kcl-ts-run-hang',
      properties: { timeoutInSeconds: TIMEOUT_SECONDS },
      env: { FAULT_SLEEP_MS: String(TIMEOUT_SECONDS * 4 * 1000) },
    });
    const exit = await d.process.waitForExit(180_000);
    // the daemon's last lines (its timeout, just before it halts) may still be in the pipe
    // when Node reports the exit: read to the end of the output first
    await d.process.waitForOutputEnd(20_000);
    const text = d.process.recentOutput();
    const lines = text.split('\n');
    const sleep = s.events().find((e) => (e.ev as string) === 'sleep');
    expect(sleep, 'the processor started its long batch').toBeDefined();
    console.log(`kcl-ts run exited ${JSON.stringify(exit)}; ${Date.now() - sleep!.t!} ms after the batch began`);
    console.log(lines.filter((l) => /has not finished|halt|[Tt]imed? ?out|timeout/i.test(l)).slice(0, 12).join('\n'));

    // the daemon halted the worker (Runtime.halt(1)); kcl-ts run exits with its status
    expect(exit.code).toBe(1);
    // the daemon logs each stderr line of the child as an error line of its own
    const warnAt = lines.findIndex(
      (l) => l.includes('DrainChildSTDERRTask') && l.includes(`processRecords has not finished after ${TIMEOUT_SECONDS / 2} s`),
    );
    expect(warnAt, 'the warning reached the daemon output').toBeGreaterThanOrEqual(0);
    expect(lines[warnAt]).toContain(`timeoutInSeconds = ${TIMEOUT_SECONDS}`);
    // KCL 3.1.3: "Timedout to get status message for processRecords action for shard … Terminating..."
    const haltAt = lines.findIndex((l) => /Timedout to get status message for processRecords/.test(l));
    expect(haltAt, 'the daemon reported its timeout after the warning').toBeGreaterThan(warnAt);
    // and nothing of the slow batch was checkpointed: the lease is still at its start, so
    // the records come again next time
    const leases = await s.leases();
    expect([...leases.values()].map((l) => l.checkpoint)).toEqual(['TRIM_HORIZON']);
  });
});
