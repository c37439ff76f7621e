// Keys exported on one PKCS#11 implementation and imported on another (SoftHSM -> Kryoptic ->
// NSS softoken and back, every ordered pair), in the format chosen for the pair: each key is then
// used on its new token (a signature verified with the source's public key, AES encrypted on one
// and decrypted on the other, the same HMAC on both). And the join's transport between them, with
// the OAEP hash both tokens have.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseWrapFormat } from '../../libs/contract/hsm-capabilities';
import { HsmError, negotiateOaepHash } from '../../libs/hsm';
import type { HsmImplementation, Token } from '../../libs/hsm';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture } from './support/hsm-fixture';
import { selectorOf } from './support/key-specs';
import type { KeySpec } from './support/key-specs';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'cross-cluster';

/** Every key type and curve, RSA at one size (the sizes are the same code path, and slow to generate). */
const SPECS: KeySpec[] = [
  { keyType: 'rsa', size: 2048, label: 'rsa-2048', id: 'a1' },
  { keyType: 'ec', curve: 'P-256', label: 'ec-p256', id: 'b1' },
  { keyType: 'ec', curve: 'P-384', label: 'ec-p384', id: 'b2' },
  { keyType: 'ec', curve: 'P-521', label: 'ec-p521', id: 'b3' },
  { keyType: 'aes', size: 128, label: 'aes-128', id: 'c1' },
  { keyType: 'aes', size: 256, label: 'aes-256', id: 'c3' },
  { keyType: 'generic-secret', size: 256, label: 'hmac-256', id: 'd1' },
  // A generic secret that may not sign: its check value is computed through a session copy.
  { keyType: 'generic-secret', size: 256, label: 'derive-only', id: 'd2', usages: ['derive'] },
];

const PAIRS: Array<[HsmImplementation, HsmImplementation]> = IMPLEMENTATIONS.flatMap((source) => IMPLEMENTATIONS.filter((target) => target !== source).map((target): [HsmImplementation, HsmImplementation] => [source, target]));

const fixtures = new Map<HsmImplementation, HsmFixture>();
const tokens = new Map<HsmImplementation, Token>();
const token = (implementation: HsmImplementation) => tokens.get(implementation)!;
/** A fresh token per implementation that joins in the join tests. */
const joiners = new Map<HsmImplementation, Token>();

/** Ids per ordered pair, so each pair moves its own keys. */
const idOf = (spec: KeySpec, source: HsmImplementation, target: HsmImplementation) => `${spec.id}${(IMPLEMENTATIONS.indexOf(source) * 3 + IMPLEMENTATIONS.indexOf(target)).toString(16).padStart(2, '0')}`;

beforeAll(async () => {
  // Every module reads its configuration at C_Initialize: all tokens are made before any opens.
  for (const implementation of IMPLEMENTATIONS) {
    const fx = createHsmFixture(implementation, 'cross');
    fixtures.set(implementation, fx);
    const [ref, joinerRef] = await fx.createTokens([`cross-${implementation}`, `joiner-${implementation}`]);
    tokens.set(implementation, await fx.open(ref!));
    joiners.set(implementation, await fx.open(joinerRef!));
  }
  await formCluster(token('softhsm'), [token('kryoptic'), token('nss')]);
}, 120_000);

afterAll(async () => {
  for (const fx of fixtures.values()) await fx.dispose();
});

describe.each(PAIRS)('keys from %s to %s', (sourceName, targetName) => {
  const specs = SPECS.map((spec) => ({ ...spec, id: idOf(spec, sourceName, targetName) }));
  let source: Token;
  let target: Token;

  beforeAll(async () => {
    source = token(sourceName);
    target = token(targetName);
    for (const spec of specs) await source.generateKey(spec);
    const { format } = chooseWrapFormat(source.capabilities().wrapFormats, [{ member: targetName, wrapFormats: target.capabilities().wrapFormats }]);
    expect(format).toBe('aes-kwp');
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: sourceName, keys: specs.map(selectorOf), ttlSeconds: 600, wrapFormat: format! });
    expect(exported.notExportable).toEqual([]);
    const result = await target.importPackage(exported.bytes, { clusterId: CLUSTER, expectedDigest: exported.ref.digest });
    expect(result.entries.filter((entry) => entry.outcome !== 'imported')).toEqual([]);
  }, 120_000);

  it('every key arrives with the fingerprint it has on the source', async () => {
    const fingerprints = (groups: Awaited<ReturnType<Token['inventory']>>) => new Map(groups.filter((group) => specs.some((spec) => spec.id === group.id)).map((group) => [`${group.class}:${group.id}`, group.fingerprint]));
    const onSource = fingerprints(await source.inventory());
    expect(onSource.size).toBe(specs.length);
    expect(fingerprints(await target.inventory())).toEqual(onSource);
  });

  it('key pairs sign on the target and verify with the source public key', async () => {
    for (const spec of specs.filter((candidate) => candidate.keyType === 'rsa' || candidate.keyType === 'ec')) {
      const data = randomBytes(64);
      const signature = await target.sign(selectorOf(spec), data);
      const key = createPublicKey({ key: (await source.publicKeyDer(selectorOf(spec)))!, format: 'der', type: 'spki' });
      expect(verify('sha256', data, spec.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature), spec.label).toBe(true);
    }
  });

  it('AES keys decrypt on one token what the other encrypted, both ways', async () => {
    for (const spec of specs.filter((candidate) => candidate.keyType === 'aes')) {
      const data = randomBytes(45);
      expect(await target.decrypt(selectorOf(spec), await source.encrypt(selectorOf(spec), data)), spec.label).toEqual(data);
      expect(await source.decrypt(selectorOf(spec), await target.encrypt(selectorOf(spec), data)), spec.label).toEqual(data);
    }
  });

  it('HMAC keys give the same MAC on both tokens', async () => {
    const spec = specs.find((candidate) => candidate.label === 'hmac-256')!;
    const data = randomBytes(99);
    expect(await target.sign(selectorOf(spec), data)).toEqual(await source.sign(selectorOf(spec), data));
  });
});

describe('the join across implementations', () => {
  it('uses SHA-256 when both tokens have it (Kryoptic and NSS) and SHA-1 when one is SoftHSM; the KCVs prove each transfer', async () => {
    const founderKcv = await token('softhsm').clusterSecretsKcv();
    for (const [sponsorName, joiningName, expected] of [
      ['kryoptic', 'nss', 'sha256'],
      ['nss', 'kryoptic', 'sha256'],
      ['kryoptic', 'softhsm', 'sha1'],
    ] as const) {
      const sponsor = token(sponsorName);
      const joining = joiners.get(joiningName)!;
      expect(await joining.clusterSecretsKcv()).toBeNull();
      const transport = await joining.createTransportKey();
      const hash = negotiateOaepHash(sponsor.capabilities().oaepHashes, transport.oaepHashes);
      expect(hash, `${sponsorName} -> ${joiningName}`).toBe(expected);
      const { blob, oaepHash } = await sponsor.wrapClusterSecretsForTransport(transport.publicKeyDer, hash);
      expect(oaepHash).toBe(expected);
      expect(await joining.unwrapClusterSecretsFromTransport(blob)).toEqual(founderKcv);
      expect(await joining.clusterSecretsKcv()).toEqual(founderKcv);
    }
  });

  it('a SoftHSM joining token refuses a transfer wrapped with SHA-256, naming the hashes it has, before its module is asked', async () => {
    const transport = await token('softhsm').createTransportKey();
    const { blob } = await token('kryoptic').wrapClusterSecretsForTransport(transport.publicKeyDer, 'sha256');
    const error = await token('softhsm').unwrapClusterSecretsFromTransport(blob).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HsmError);
    expect(error).toMatchObject({ kind: 'unsupported', retryable: false });
    expect((error as HsmError).message).toMatch(/\(the joining member\) does not do RSA-OAEP with SHA256 \(it does: sha1\)/);
  });
});
