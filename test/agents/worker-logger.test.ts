// The worker's logger: the Temporal SDK's own lines go through pino with their level, except the
// warning every activity-only agent worker gets by design, kept at debug so `npm start` does not
// greet a new user with three warnings; and fields named like secrets are redacted.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createWorkerLogger, temporalLoggerFor } from '../../apps/worker/logger';

function capture(level: string): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createWorkerLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createWorkerLogger({ level, destination }) };
}

describe('the worker logger', () => {
  it('keeps the activity-only worker warning at debug and passes other SDK warnings on as warnings', () => {
    const { lines, logger } = capture('info');
    const temporal = temporalLoggerFor(logger);
    temporal.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'keysync.demo.node1' });
    temporal.warn('Worker failed to poll', { taskQueue: 'keysync.demo.node1' });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[40, 'Worker failed to poll']]);

    const debug = capture('debug');
    temporalLoggerFor(debug.logger).warn('No workflows registered, not polling for workflow tasks');
    expect(debug.lines.map((line) => [line.level, line.msg])).toEqual([[20, 'No workflows registered, not polling for workflow tasks']]);
  });

  it('redacts a PIN or wrapped key given as a field', () => {
    const { lines, logger } = capture('info');
    logger.info({ pin: '123456', entry: { wrappedKey: 'AAAA' } }, 'careless');
    expect(JSON.stringify(lines)).not.toContain('123456');
    expect(JSON.stringify(lines)).not.toContain('AAAA');
  });
});
