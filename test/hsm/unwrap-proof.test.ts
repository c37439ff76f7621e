// Every unwrapped key is proven before it counts (DESIGN 16). A mismatched pair of mechanisms can
// unwrap without an error (HSM-INTEROP.md: NSS's CKM_AES_KEY_WRAP_PAD output unwrapped on SoftHSM
// with CKM_AES_KEY_WRAP gives AES and HMAC keys 8 bytes too long), which is what a member whose
// wrapMechanisms override states the wrong format would do: here the package is genuine (made by
// the normal export, its MAC valid), only the two tokens' overrides are wrong. The keys that
// arrive wrong are destroyed and reported invalid-data; the others are imported.
// Also: the second format, aes-kw-pkcs7, between the two modules that have it (NSS's 0x210A and
// Kryoptic's 0x210C), and a token without a package's format refusing it before unwrapping.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmError } from '../../libs/hsm';
import type { HsmImplementation, Token } from '../../libs/hsm';
import { createHsmFixture } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';
import { selectorOf } from './support/key-specs';
import type { KeySpec } from './support/key-specs';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'proof-cluster';
const CKM_AES_KEY_WRAP = 0x2109;
const CKM_AES_KEY_WRAP_PAD = 0x210a;

const SPECS: KeySpec[] = [
  { keyType: 'rsa', size: 2048, label: 'rsa', id: '01' },
  { keyType: 'ec', curve: 'P-256', label: 'ec', id: '02' },
  { keyType: 'aes', size: 256, label: 'aes', id: '03' },
  { keyType: 'generic-secret', size: 256, label: 'hmac', id: '04' },
];

const fixtures: HsmFixture[] = [];
const refs = new Map<HsmImplementation, TestTokenRef>();
const opened = new Map<string, Token>();

async function open(implementation: HsmImplementation, wrapMechanisms?: Record<string, number>): Promise<Token> {
  const key = `${implementation}:${JSON.stringify(wrapMechanisms ?? {})}`;
  if (!opened.has(key)) opened.set(key, await fixtures.find((fx) => fx.implementation === implementation)!.open({ ...refs.get(implementation)!, ...(wrapMechanisms ? { wrapMechanisms } : {}) }));
  return opened.get(key)!;
}

beforeAll(async () => {
  for (const implementation of ['softhsm', 'kryoptic', 'nss'] as const) {
    const fx = createHsmFixture(implementation, 'proof');
    fixtures.push(fx);
    refs.set(implementation, (await fx.createTokens([`proof-${implementation}`]))[0]!);
  }
  await formCluster(await open('softhsm'), [await open('kryoptic'), await open('nss')]);
}, 120_000);

afterAll(async () => {
  for (const fx of fixtures) await fx.dispose();
});

describe('a key that unwraps wrong is destroyed and reported, the others are imported', () => {
  it('NSS wrapping in its PKCS#7 format declared as aes-kwp, SoftHSM unwrapping with CKM_AES_KEY_WRAP: the AES and HMAC keys are invalid-data and gone, the key pairs imported', async () => {
    const source = await open('nss', { 'aes-kwp': CKM_AES_KEY_WRAP_PAD });
    const target = await open('softhsm', { 'aes-kwp': CKM_AES_KEY_WRAP });
    for (const spec of SPECS) await source.generateKey(spec);
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'nss', keys: SPECS.map(selectorOf), ttlSeconds: 600, wrapFormat: 'aes-kwp' });
    const before = await target.countObjects();

    const result = await target.importPackage(exported.bytes, { clusterId: CLUSTER, expectedDigest: exported.ref.digest });

    expect(result.entries.map((entry) => [entry.label, entry.outcome])).toEqual([
      ['rsa', 'imported'],
      ['ec', 'imported'],
      ['aes', 'invalid-data'],
      ['hmac', 'invalid-data'],
    ]);
    expect(result).toMatchObject({ imported: 2, invalidData: 2 });
    for (const entry of result.entries.filter((candidate) => candidate.outcome === 'invalid-data')) {
      expect(entry.reason).toMatch(/was unwrapped but its check value \(KCV\) on this token is \S+, not the package's [0-9a-f]+; it was destroyed again\. The source's and this HSM's mechanisms for aes-kwp disagree/);
    }
    // The two key pairs (private and public objects each) are there; nothing is left of the other two.
    expect(await target.countObjects()).toBe(before + 4);
    const held = (await target.inventory()).map((group) => group.label);
    expect(held).toEqual(expect.arrayContaining(['rsa', 'ec']));
    expect(held).not.toContain('aes');
    expect(held).not.toContain('hmac');
    // The key pairs that arrived are the source's: a signature on the target verifies with the source's public key.
    const data = randomBytes(32);
    const key = createPublicKey({ key: (await source.publicKeyDer({ class: 'private', id: '02' }))!, format: 'der', type: 'spki' });
    expect(verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, await target.sign({ class: 'private', id: '02' }, data))).toBe(true);
  });
});

describe('aes-kw-pkcs7: NSS (CKM_AES_KEY_WRAP_PAD, by its identity) and Kryoptic (CKM_AES_KEY_WRAP_PKCS7)', () => {
  it.each([
    ['nss', 'kryoptic', '1a'],
    ['kryoptic', 'nss', '2a'],
  ] as const)('keys wrapped on %s unwrap and prove on %s', async (sourceName, targetName, prefix) => {
    const source = await open(sourceName);
    const target = await open(targetName);
    expect(source.capabilities().wrapFormats).toEqual(['aes-kwp', 'aes-kw-pkcs7']);
    const specs = SPECS.map((spec) => ({ ...spec, id: `${prefix}${spec.id}` }));
    for (const spec of specs) await source.generateKey(spec);
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: sourceName, keys: specs.map(selectorOf), ttlSeconds: 600, wrapFormat: 'aes-kw-pkcs7' });
    const result = await target.importPackage(exported.bytes, { clusterId: CLUSTER });
    expect(result.entries.map((entry) => entry.outcome)).toEqual(['imported', 'imported', 'imported', 'imported']);
    const hmac = { class: 'secret' as const, id: `${prefix}04` };
    const data = randomBytes(20);
    expect(await target.sign(hmac, data)).toEqual(await source.sign(hmac, data));
  });

  it('SoftHSM, which has no aes-kw-pkcs7, refuses such a package before unwrapping anything, naming the format and what it has', async () => {
    const source = await open('kryoptic');
    const target = await open('softhsm');
    await source.generateKey({ keyType: 'aes', size: 128, label: 'pkcs7-only', id: '31' });
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'kryoptic', keys: [{ class: 'secret', id: '31' }], ttlSeconds: 600, wrapFormat: 'aes-kw-pkcs7' });
    const before = await target.countObjects();
    const error = await target.importPackage(exported.bytes, { clusterId: CLUSTER }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HsmError);
    expect((error as HsmError).kind).toBe('unsupported');
    expect((error as HsmError).message).toMatch(/has no mechanism for the wrap format aes-kw-pkcs7 \(it has: aes-kwp\): if the HSM offers it under a vendor mechanism, name it in the member's wrapMechanisms/);
    expect(await target.countObjects()).toBe(before);
  });
});
