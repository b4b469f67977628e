/**
 * The start-up watch on what the real daemon 3.1.3 printed (fixtures/daemon-3.1.3-*), and
 * the supervisor's bounds: a daemon that ignores SIGTERM is killed, one that said it gave
 * up but lingers is ended.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { superviseDaemon } from '../../src/host/startup/supervise.js';
import { StartupWatch, type StartupAction } from '../../src/host/startup/watch.js';

const FIXTURES = path.resolve(new URL('fixtures', import.meta.url).pathname);
const lines = (name: string): string[] => readFileSync(path.join(FIXTURES, name), 'utf8').split('\n');
const REFUSED_CAUSE =
  'java.lang.RuntimeException: software.amazon.awssdk.core.exception.SdkClientException: Unable to execute HTTP request: Connection refused: /127.0.0.1:45992 (SDK Attempt Count: 9)';

function feed(watch: StartupWatch, stream: string, text: string[]): StartupAction[] {
  return text.map((l) => watch.line(stream, l)).filter((a) => a !== undefined);
}

describe('StartupWatch', () => {
  it('counts failed initialization attempts, keeps the first cause line, asks to end the daemon at the limit', () => {
    const w = new StartupWatch(2);
    expect(w.failure).toBeUndefined();
    const [first, second] = lines('daemon-3.1.3-refused.stdout').join('\n').split(/(?=^.*Initializing LeaseCoordinator attempt 2)/m);
    expect(feed(w, 'stdout', first!.split('\n'))).toEqual([]);
    expect(w.failure).toEqual({ cause: REFUSED_CAUSE, attempts: 1, gaveUp: false });
    expect(feed(w, 'stdout', second!.split('\n'))).toEqual(['end']);
    expect(w.failure).toEqual({ cause: REFUSED_CAUSE, attempts: 2, gaveUp: false });
  });

  it('with no limit (0) it never asks; the daemon giving up is its own verdict', () => {
    const w = new StartupWatch(0);
    expect(feed(w, 'stdout', [...lines('daemon-3.1.3-refused.stdout'), ...lines('daemon-3.1.3-gave-up.stdout')])).toEqual(['exiting']);
    expect(w.failure).toMatchObject({ cause: REFUSED_CAUSE, attempts: 3, gaveUp: true });
  });

  it("takes main()'s exception from stderr when the daemon cannot even be set up", () => {
    const w = new StartupWatch(2);
    feed(w, 'stdout', lines('daemon-3.1.3-bad-enum.stdout'));
    expect(feed(w, 'stderr', lines('daemon-3.1.3-bad-enum.stderr'))).toEqual(['exiting']);
    expect(w.failure?.cause).toBe('java.lang.IllegalArgumentException: No enum constant software.amazon.kinesis.common.InitialPositionInStream.BOGUS');
  });

  it('a start after a failed attempt clears the failure and stops reading', () => {
    const w = new StartupWatch(2);
    const refused = lines('daemon-3.1.3-refused.stdout');
    feed(w, 'stdout', refused.slice(0, refused.findIndex((l) => l.includes('attempt 2'))));
    expect(w.failure?.attempts).toBe(1);
    feed(w, 'stdout', lines('daemon-3.1.3-started.stdout'));
    expect(w.started).toBe(true);
    expect(w.failure).toBeUndefined();
    // Later failures are the running daemon's, not a start-up's.
    expect(feed(w, 'stdout', refused)).toEqual([]);
    expect(w.failure).toBeUndefined();
  });

  it('reads the messages in any log layout, and falls back to the message when no exception follows', () => {
    const w = new StartupWatch(1);
    expect(w.line('stdout', 'ERROR Scheduler: Caught exception when initializing LeaseCoordinator\r')).toBe('end');
    w.line('stdout', 'no exception on this line');
    expect(w.failure?.cause).toBe('Caught exception when initializing LeaseCoordinator');
  });

  it('the cause is the next line of the same stream, not an interleaved line of the other', () => {
    const w = new StartupWatch(3);
    w.line('stdout', '12:00 ERROR - Caught exception when initializing LeaseCoordinator');
    w.line('stderr', 'com.example.Unrelated: on the other stream');
    w.line('stdout', 'java.lang.IllegalStateException: No shards found when attempting to validate complete hash range.');
    expect(w.failure?.cause).toBe('java.lang.IllegalStateException: No shards found when attempting to validate complete hash range.');
  });

  it('takes the runner failing and submitRunnerAndWait failing as start-up failures before a start', () => {
    for (const message of ['Caught throwable while processing data', 'Encountered an error while running daemon']) {
      const w = new StartupWatch(2);
      expect(w.line('stdout', `x ERROR MultiLangDaemon - ${message}`)).toBe('exiting');
      w.line('stdout', 'java.lang.OutOfMemoryError: Java heap space');
      expect(w.failure).toEqual({ cause: 'java.lang.OutOfMemoryError: Java heap space', attempts: 0, gaveUp: true });
    }
  });

  it('cuts a very long cause line', () => {
    const w = new StartupWatch(2);
    w.line('stdout', 'Caught exception when initializing LeaseCoordinator');
    w.line('stdout', `java.lang.RuntimeException: ${'x'.repeat(2000)}`);
    expect(w.failure!.cause.length).toBeLessThan(500);
    expect(w.failure!.cause.endsWith('…')).toBe(true);
  });
});

/** A stand-in daemon: a Node script given as `-e`. */
function daemon(script: string) {
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}
const sink = () => {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s, text: () => text };
};

describe('superviseDaemon', () => {
  it('SIGKILLs a daemon that ignores the SIGTERM it was ended with', async () => {
    const out = sink();
    const child = daemon(`process.on('SIGTERM', () => console.log('TERM ignored')); console.log('Caught exception when initializing LeaseCoordinator'); console.log('java.lang.IllegalStateException: boom'); setInterval(() => {}, 1000);`);
    const outcome = await superviseDaemon(child, { maxAttempts: 1, stdout: out.s, stderr: sink().s, killAfterMs: 300 });
    expect(outcome).toMatchObject({ code: null, signal: 'SIGKILL', endedWith: 'SIGKILL', failure: { cause: 'java.lang.IllegalStateException: boom', attempts: 1 } });
    expect(out.text()).toContain('TERM ignored');
  });

  it('ends a daemon that said it gave up but does not exit', async () => {
    const child = daemon(`console.log('ERROR Scheduler - Unable to initialize after 20 attempts. Shutting down.'); setInterval(() => {}, 1000);`);
    const outcome = await superviseDaemon(child, { maxAttempts: 2, stdout: sink().s, stderr: sink().s, exitWithinMs: 100, killAfterMs: 5000 });
    expect(outcome).toMatchObject({ signal: 'SIGTERM', endedWith: 'SIGTERM', failure: { gaveUp: true } });
  });

  it('passes a started daemon through untouched and leaves it alone', async () => {
    const out = sink();
    const err = sink();
    const child = daemon(`console.log('Initialization complete. Starting worker loop.'); console.log('Caught exception when initializing LeaseCoordinator'); console.error('on stderr'); process.exitCode = 4;`);
    const outcome = await superviseDaemon(child, { maxAttempts: 1, stdout: out.s, stderr: err.s });
    expect(outcome).toEqual({ code: 4, signal: null });
    expect(out.text()).toBe('Initialization complete. Starting worker loop.\nCaught exception when initializing LeaseCoordinator\n');
    expect(err.text()).toBe('on stderr\n');
  });
});
