// The agent's token lifecycle, with a stand-in token: opened once and shared, reopened after a
// session fault, closed on shutdown, and a failed open is not cached.
import { describe, expect, it } from 'vitest';
import { createTokenSource } from '../../activities/token-source';
import type { Token } from '../../libs/hsm/token';
import { HsmError } from '../../libs/hsm/errors';
import type { TokenRef } from '../../libs/hsm/types';

const ref: TokenRef = { pkcs11Module: '/nowhere.so', tokenLabel: 'node1', pin: { env: 'UNUSED' } };

function fakeOpener(failFirst = 0) {
  const opened: { id: number; closed: boolean }[] = [];
  let failures = failFirst;
  const open = async (): Promise<Token> => {
    if (failures > 0) {
      failures -= 1;
      throw new HsmError('token-not-found', 'no such token');
    }
    const record = { id: opened.length + 1, closed: false };
    opened.push(record);
    return { id: record.id, close: async () => void (record.closed = true) } as unknown as Token;
  };
  return { opened, open };
}

const idOf = (token: Token): number => (token as unknown as { id: number }).id;

describe('createTokenSource', () => {
  it('opens the token once and shares it between concurrent activities', async () => {
    const { opened, open } = fakeOpener();
    const source = createTokenSource(ref, open);
    const ids = await Promise.all([1, 2, 3].map(() => source.withToken(async (token) => idOf(token))));
    expect(ids).toEqual([1, 1, 1]);
    expect(opened).toHaveLength(1);
  });

  it('closes and reopens the token after a session fault, but not after a package rejection', async () => {
    const { opened, open } = fakeOpener();
    const source = createTokenSource(ref, open);
    await expect(source.withToken(async () => Promise.reject(new Error('not an HSM fault')))).rejects.toThrow();
    expect(opened).toHaveLength(1);
    await expect(source.withToken(async () => Promise.reject(new HsmError('session', 'lost')))).rejects.toThrow('lost');
    expect(opened[0]?.closed).toBe(true);
    expect(await source.withToken(async (token) => idOf(token))).toBe(2);
  });

  it('does not cache a failed open', async () => {
    const { open } = fakeOpener(1);
    const source = createTokenSource(ref, open);
    await expect(source.withToken(async () => 0)).rejects.toThrow('no such token');
    expect(await source.withToken(async (token) => idOf(token))).toBe(1);
  });

  it('waits for a running activity before closing the token', async () => {
    const { opened, open } = fakeOpener();
    const source = createTokenSource(ref, open);
    let finish = (): void => undefined;
    const running = source.withToken(() => new Promise<void>((resolve) => (finish = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = source.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(opened[0]?.closed).toBe(false);
    finish();
    await Promise.all([running, closing]);
    expect(opened[0]?.closed).toBe(true);
  });

  it('closes the token on close(), and a later call opens it again', async () => {
    const { opened, open } = fakeOpener();
    const source = createTokenSource(ref, open);
    await source.withToken(async () => 0);
    await source.close();
    expect(opened[0]?.closed).toBe(true);
    expect(await source.withToken(async (token) => idOf(token))).toBe(2);
  });
});
