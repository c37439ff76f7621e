// Fresh tokens on each implementation through the one provisioning path: found by label, logged
// into with the user PIN, usable; and NSS softoken's one-configuration-per-process rule enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmError, openToken } from '../../libs/hsm';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';

describe.each(IMPLEMENTATIONS)('provisioned tokens on %s', (implementation) => {
  let fx: HsmFixture;
  let refs: TestTokenRef[];

  beforeAll(async () => {
    fx = createHsmFixture(implementation, 'provisioning');
    refs = await fx.createTokens(['member-a', 'member-b']);
  });
  afterAll(() => fx.dispose());

  it('refuses a wrong PIN as pin-incorrect (before any login holds the token)', async () => {
    process.env.KEYSYNC_TEST_WRONG_PIN = 'not-the-pin-1234';
    const error = await openToken({ ...refs[1]!, pin: { env: 'KEYSYNC_TEST_WRONG_PIN' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HsmError);
    expect((error as HsmError).kind).toBe('pin-incorrect');
  });

  it('opens each token by its label with its own PIN, and keys made on one are not on the other', async () => {
    const [a, b] = await Promise.all(refs.map((ref) => fx.open(ref)));
    expect([a!.label, b!.label]).toEqual(['member-a', 'member-b']);
    await a!.generateKey({ keyType: 'ec', curve: 'P-256', label: 'only-on-a', id: '01' });
    expect((await a!.inventory()).map((group) => group.label)).toEqual(['only-on-a']);
    expect(await b!.inventory()).toEqual([]);
  });
});

describe('NSS softoken in one process', () => {
  it('refuses a token with other library parameters while tokens of the module are open, saying why', async () => {
    const fx = createHsmFixture('nss', 'nss-parameters');
    try {
      const [ref] = await fx.createTokens(['only']);
      await fx.open(ref!);
      const error = await openToken({ ...ref!, pkcs11LibraryParameters: "configdir='sql:/elsewhere' flags=" }).catch((caught: unknown) => caught);
      expect((error as HsmError).kind).toBe('unsupported');
      expect((error as HsmError).message).toMatch(/already initialized in this process with other library parameters/);
    } finally {
      await fx.dispose();
    }
  });
});
