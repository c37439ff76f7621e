// The logger itself refuses to write secrets: a careless log call with a header, a PIN or a
// wrapped key still writes "[redacted]".
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../apps/api/logging/logger';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

describe('API logger', () => {
  it('redacts Authorization headers, tokens, PINs, signatures and wrapped keys wherever a log call puts them', () => {
    const sink = capture();
    const logger = createLogger({ destination: sink.stream });
    logger.info({ req: { headers: { authorization: 'Bearer secret-token-1' } } }, 'request');
    logger.info({ headers: { authorization: 'Bearer secret-token-2' } }, 'headers');
    logger.info({ member: { pin: '123456-secret-pin' }, approval: { signature: 'sig-secret' }, entry: { wrappedKey: 'wrapped-secret' } }, 'nested');
    logger.info({ token: 'secret-token-3', pin: 'top-level-pin' }, 'top level');
    const text = sink.text();
    for (const secret of ['secret-token-1', 'secret-token-2', 'secret-token-3', '123456-secret-pin', 'top-level-pin', 'sig-secret', 'wrapped-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text.match(/\[redacted\]/g)).toHaveLength(7);
    for (const line of text.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ component: 'api' });
  });
});
