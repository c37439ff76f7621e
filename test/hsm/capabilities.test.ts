// What each implementation reports as its capabilities (DESIGN 16): its identity, the wrap formats
// it can do and the mechanism each maps to (0x210A only by the quirks table, the standard numbers
// elsewhere, a configured override over both), its OAEP hashes, HMAC, curves and RSA sizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HsmImplementation, Token } from '../../libs/hsm';
import type { TokenCapabilities } from '../../libs/contract/hsm-capabilities';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';

const EXPECTED: Record<HsmImplementation, Partial<TokenCapabilities>> = {
  softhsm: {
    manufacturer: 'SoftHSM project',
    model: 'SoftHSM v2',
    wrapFormats: ['aes-kwp'],
    wrapMechanisms: { 'aes-kwp': '0x210A' },
    oaepHashes: ['sha1'],
  },
  kryoptic: {
    manufacturer: 'Kryoptic Project',
    wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'],
    wrapMechanisms: { 'aes-kwp': '0x210B', 'aes-kw-pkcs7': '0x210C' },
    oaepHashes: ['sha256', 'sha1'],
  },
  nss: {
    manufacturer: 'Mozilla Foundation',
    wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'],
    wrapMechanisms: { 'aes-kwp': '0x210B', 'aes-kw-pkcs7': '0x210A' },
    oaepHashes: ['sha256', 'sha1'],
  },
};

describe.each(IMPLEMENTATIONS)('capabilities on %s', (implementation) => {
  let fx: HsmFixture;
  let ref: TestTokenRef;
  let token: Token;

  beforeAll(async () => {
    fx = createHsmFixture(implementation, 'capabilities');
    [ref] = (await fx.createTokens(['capabilities'])) as [TestTokenRef];
    token = await fx.open(ref);
  });
  afterAll(() => fx.dispose());

  it('names the token and module, maps each format it can do to its own mechanism, and states its OAEP hashes', () => {
    const capabilities = token.capabilities();
    expect(capabilities).toMatchObject(EXPECTED[implementation]);
    expect(capabilities.library.manufacturer).not.toBe('');
    expect(capabilities.firmwareVersion).toMatch(/^\d+\.\d+$/);
  });

  it('does HMAC-SHA256, holds every curve KeySync syncs and RSA from 2048 to 4096 bits', () => {
    const capabilities = token.capabilities();
    expect(capabilities.hmac).toBe(true);
    expect(capabilities.curves).toEqual(['P-256', 'P-384', 'P-521']);
    expect(capabilities.rsaSizes!.min).toBeLessThanOrEqual(2048);
    expect(capabilities.rsaSizes!.max).toBeGreaterThanOrEqual(4096);
  });

  it("takes a member's vendor mechanism for a format over everything else, and reports it", async () => {
    const overridden = await fx.open({ ...ref, wrapMechanisms: { 'aes-kw-pkcs7': 0x80000171 } });
    expect(overridden.capabilities().wrapFormats).toEqual(['aes-kwp', 'aes-kw-pkcs7']);
    expect(overridden.capabilities().wrapMechanisms['aes-kw-pkcs7']).toBe('0x80000171');
  });
});
