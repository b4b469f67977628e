import { describe, expect, it } from 'vitest';
import { errorExcerpt, userFrame } from '../../src/log/excerpt.js';
import { formatLogLine } from '../../src/log/stderr-lines.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('userFrame', () => {
  it('skips our own frames, node internals and libraries for the first frame in the user\'s code', () => {
    const stack = [
      'Error: boom',
      `    at Engine.processBatch (${ROOT}dist/engine/engine.js:10:5)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at Pool.query (/app/node_modules/pg/lib/pool.js:45:11)',
      '    at Orders.processRecords (/app/src/orders.ts:12:9)',
    ].join('\n');
    expect(userFrame(stack)).toBe('Orders.processRecords (/app/src/orders.ts:12:9)');
  });

  it('falls back to a library frame, then to any frame', () => {
    expect(userFrame('Error: x\n    at Pool.query (/app/node_modules/pg/lib/pool.js:45:11)')).toBe('Pool.query (/app/node_modules/pg/lib/pool.js:45:11)');
    expect(userFrame(`Error: x\n    at f (${ROOT}src/run.ts:1:1)`)).toBe(`f (${ROOT}src/run.ts:1:1)`);
    expect(userFrame(undefined)).toBeUndefined();
  });
});

describe('errorExcerpt', () => {
  it('is one line: name, message, where', () => {
    const err = new TypeError('bad\nthing');
    expect(errorExcerpt(err)).toMatch(/^TypeError: bad thing \(at .*stderr-lines\.test\.ts:\d+:\d+\)$/);
    expect(errorExcerpt('plain string')).toBe('plain string');
  });
});

describe('formatLogLine', () => {
  it('turns a pino event into one line with its fields and the error cut short', () => {
    const event = {
      level: 40,
      time: 1,
      pid: 9,
      shardId: 'shardId-000000000001',
      code: 'ThrottlingException',
      attempt: 2,
      err: { type: 'Error', message: 'slow down', stack: 'Error: slow down\n    at Foo.bar (/app/foo.ts:3:4)\n    at more (/app/x.ts:1:1)' },
      msg: 'checkpoint failed, retrying',
    };
    expect(formatLogLine(JSON.stringify(event))).toBe(
      'kcl-ts: warn shardId-000000000001: checkpoint failed, retrying (code=ThrottlingException, attempt=2): Error: slow down (at Foo.bar (/app/foo.ts:3:4))',
    );
  });

  it('keeps a line it cannot read', () => {
    expect(formatLogLine('not json')).toBe('kcl-ts: not json');
  });
});
