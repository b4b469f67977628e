import { describe, expect, it } from 'vitest';
import { checkpointMessage, serializeMessage, statusMessage } from '../../src/protocol/serialize.js';
import { CHILD_SCHEMAS } from '../../src/protocol/types.js';
import { FakeDaemon } from '../../src/testing/fake-daemon.js';
import { parseChildLine } from '../../src/testing/strict-parse.js';

describe('serializeMessage', () => {
  it('frames each message as \\n{json}\\n with exactly the keys the Java side knows', () => {
    expect(serializeMessage(statusMessage('processRecords'))).toBe('\n{"action":"status","responseFor":"processRecords"}\n');
    expect(serializeMessage(checkpointMessage('49680505993805844606337336502500757501366790287444148226', 3))).toBe(
      '\n{"action":"checkpoint","sequenceNumber":"49680505993805844606337336502500757501366790287444148226","subSequenceNumber":3}\n',
    );
    // Nulls are written, not omitted.
    expect(serializeMessage(checkpointMessage(null, null))).toBe('\n{"action":"checkpoint","sequenceNumber":null,"subSequenceNumber":null}\n');
  });

  it('produces messages the strict schemas and the Jackson emulation both accept', () => {
    for (const message of [statusMessage('initialize'), checkpointMessage('1', null), checkpointMessage(null, null)]) {
      const line = serializeMessage(message).trim();
      expect(parseChildLine(line)).toEqual({ kind: 'message', message });
      expect(CHILD_SCHEMAS[message.action].safeParse(JSON.parse(line)).success).toBe(true);
    }
  });
});

describe('why exact keys matter: the daemon skips a line with an extra key and waits', () => {
  it('skips a status with an extra key, then times out waiting', async () => {
    const script = `
      const rl = require('node:readline').createInterface({ input: process.stdin });
      rl.on('line', (l) => {
        const m = JSON.parse(l);
        process.stdout.write('\\n' + JSON.stringify({ action: 'status', responseFor: m.action, shardId: 'extra' }) + '\\n');
      });
      process.stdout.write('ready\\n');`;
    const daemon = FakeDaemon.spawn(process.execPath, ['-e', script], { timeoutMs: 1500 });
    // The 1.5 s wait is for the answer, not for Node to start (slower than that on a
    // loaded machine, and then nothing would have been skipped yet): wait for the child first.
    expect(await daemon.lines.next(20_000, () => new Error('the child did not start within 20 s'))).toBe('ready');
    await expect(daemon.send({ action: 'initialize', shardId: 's', sequenceNumber: null, subSequenceNumber: null })).rejects.toThrow(
      /timed out after 1500 ms waiting for the status for initialize; skipped lines: unknown property "shardId"/,
    );
    daemon.kill();
  });

  it.each([
    ['\uFEFF{"action":"status","responseFor":"x"}', 'byte order mark'],
    ['{"responseFor":"x"}', 'unknown or missing action'],
    ['{"action":"Status","responseFor":"x"}', 'unknown or missing action'],
    ['{"action":"checkpoint","sequenceNumber":"1","subSequenceNumber":null,"note":"x"}', 'unknown property "note"'],
  ])('skips %j', (line, reason) => {
    const parsed = parseChildLine(line);
    expect(parsed.kind).toBe('skipped');
    expect(parsed.kind === 'skipped' && parsed.reason).toContain(reason);
  });
});
