/**
 * Bring your own KCL version, end to end: `kcl-ts lock --kcl-version 3.1.3` (real Maven,
 * Maven Central) writes a lock, and `kcl-ts run --lock <it>` downloads every file it names
 * into an empty cache, verifies each checksum, and runs the real daemon on them: every
 * record of a 2-shard stream is consumed once. (3.1.3 is the only KCL version Maven
 * Central serves to this machine.) The files come from the local Maven repository served
 * on 127.0.0.1, the layout of a remote one, so the download is real but stays here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifactLock } from '../../src/host/jars/lock-file.js';
import { lockDir } from '../../src/host/jars/cache.js';
import { mavenLocalRepository, serveMavenRepository } from '../cli/fixtures/local-maven-repo.js';
import { duplicates, missing } from '../harness/consumed.js';
import { REPO_ROOT, startKclTsRun } from '../harness/kcl.js';
import { useScenario } from '../harness/scenario.js';

describe('kcl-ts run --lock', () => {
  const s = useScenario({ streams: [{ name: 'locked', shards: 2, app: 'locked-app' }] });

  it('runs the daemon from a lock made by kcl-ts lock, its jars downloaded and verified, and consumes every record', async () => {
    const lockFile = path.join(s.standIns.workDir, 'kcl.lock.json');
    let t = Date.now();
    const made = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'test/harness/kcl-ts-cli.ts'), 'lock', '--kcl-version', '3.1.3', '--out', lockFile], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    console.log(`kcl-ts lock: exit ${made.status} after ${Date.now() - t} ms: ${made.stderr.trim().split('\n').at(-1)}`);
    expect(made.status).toBe(0);
    const lock = readArtifactLock(lockFile);

    const cacheDir = path.join(s.standIns.workDir, 'cache');
    const repo = await serveMavenRepository(mavenLocalRepository());
    try {
      const put = await s.put(Array.from({ length: 400 }, (_, i) => ({ data: `locked-${i}`, partitionKey: `pk-${i % 31}` })));
      t = Date.now();
      const d = await startKclTsRun({
        ...s.daemonOptions('locked', { env: { KCL_TS_CACHE_DIR: cacheDir, KCL_TS_MAVEN_REPO: repo.url } }),
        jarArgs: ['--lock', lockFile],
      });
      // Every file of the lock came through the repository into the (empty) cache.
      expect(repo.served).toHaveLength(lock.artifacts.length);
      const jars = lockDir(lock, cacheDir);
      expect(readdirSync(jars).filter((f) => !f.startsWith('.')).sort()).toHaveLength(lock.artifacts.length);
      expect(d.process.recentOutput()).toContain(`starting the MultiLangDaemon (KCL 3.1.3 from ${lockFile}`);
      await s.waitForConsumed(d, 400);
      console.log(`400 records consumed ${Date.now() - t} ms after kcl-ts run --lock started (download included)`);
      const stop = await d.stopGracefully();
      // The JVM's own status after SIGTERM (128 + 15), passed on; everything it started is gone.
      expect(stop.code).toBe(143);
      expect(stop.jvmGroupExited).toBe(true);
      const events = s.events();
      expect(missing(put.records, events)).toEqual([]);
      expect(duplicates(events)).toEqual([]);
      expect(existsSync(path.join(jars, '.kcl-ts-verified.json'))).toBe(true);
    } finally {
      await repo.close();
    }
  }, 300_000);
});
