// A key whose unwrap was interrupted inside SoftHSM is completed exactly once by the next import.
// SoftHSM 2.6.1's C_UnwrapKey commits twice: the object from our template (class, key type, id,
// label, usages), then the key material; an agent killed between the two leaves an object of the
// key's class and id without material. The state is made here deterministically on a real token:
// each unwrapped key's object file is put back to what the first commit wrote
// (support/softhsm-object-files.ts), with the public and certificate objects left as the import
// made them (C_CreateObject writes their values in its first commit). The import after it must
// destroy each leftover and unwrap the key once (counted with pkcs11-tool), and never destroy a
// usable key of the same id. Last, the state a kill between an unwrap and its proof can leave: an EC
// key beside the package's public object that is not the package's key is not counted.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult, Token } from '../../libs/hsm';
import { countTokenObjects } from '../faults/support/token-objects';
import type { ObjectCounts } from '../faults/support/token-objects';
import { makeCertificate } from './support/certificate';
import { createHsmFixture } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';
import { publicKeyFacts } from '../../libs/hsm/spki';
import { publicKeyObjectTemplate } from '../../libs/hsm/templates';
import { KEY_SPECS, selectorOf } from './support/key-specs';
import { createRawObject, destroyObjects } from './support/raw-objects';
import { rewindToFirstUnwrapCommit, softHsmObjectFiles } from './support/softhsm-object-files';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'interrupted-cluster';
/** One of each key type, the EC key with a certificate so every companion object is there too. */
const SPECS = [KEY_SPECS.find((spec) => spec.id === 'a1')!, KEY_SPECS.find((spec) => spec.id === 'b1')!, KEY_SPECS.find((spec) => spec.id === 'c3')!, KEY_SPECS.find((spec) => spec.id === 'd1')!];
const KIND = { private: 'private-key', secret: 'secret-key' } as const;

describe('on softhsm: an import after a kill between the two commits of C_UnwrapKey', () => {
  let fx: HsmFixture;
  let sourceRef: TestTokenRef;
  let targetRef: TestTokenRef;
  let source: Token;
  let target: Token;
  let packageBytes: Buffer;
  let packageDigest: string;
  let tokensDir: string;
  let leftoverInventory: string[];
  let retry: ImportResult;
  let counts: ObjectCounts;

  async function openBoth(): Promise<void> {
    source = await fx.open(sourceRef);
    target = await fx.open(targetRef);
  }

  beforeAll(async () => {
    fx = createHsmFixture('softhsm', 'interrupted');
    [sourceRef, targetRef] = (await fx.createTokens(['interrupted-source', 'interrupted-target'])) as [TestTokenRef, TestTokenRef];
    tokensDir = /directories\.tokendir = (.+)/.exec(readFileSync(fx.module().environment.SOFTHSM2_CONF!, 'utf8'))![1]!;
    await openBoth();
    await formCluster(source, [target]);
    for (const spec of SPECS) await source.generateKey(spec);
    await source.importCertificate({ class: 'private', id: 'b1' }, makeCertificate((await source.publicKeyDer({ class: 'private', id: 'b1' }))!, 'key b1'));
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: SPECS.map(selectorOf), ttlSeconds: 3600 });
    packageBytes = exported.bytes;
    packageDigest = exported.ref.digest;

    const before = new Set(softHsmObjectFiles(tokensDir).map((file) => file.path));
    expect((await target.importPackage(packageBytes, { clusterId: CLUSTER, expectedDigest: packageDigest })).imported).toBe(SPECS.length);
    const unwrapped = softHsmObjectFiles(tokensDir).filter((file) => !before.has(file.path) && (file.objectClass === pkcs11.CKO_PRIVATE_KEY || file.objectClass === pkcs11.CKO_SECRET_KEY));
    expect(unwrapped).toHaveLength(SPECS.length);

    // SoftHSM caches objects per process: every token of the module is closed (so it is finalized) while the files change.
    await source.close();
    await target.close();
    for (const file of unwrapped) rewindToFirstUnwrapCommit(file.path);
    await openBoth();

    leftoverInventory = (await target.inventory()).map((group) => `${group.class}:${group.id}`);
    retry = await target.importPackage(packageBytes, { clusterId: CLUSTER, expectedDigest: packageDigest });
    counts = await countTokenObjects(targetRef, targetRef.pinValue);
  });

  afterAll(() => fx.dispose());

  it('the inventory does not list a leftover without key material as a key', () => {
    expect(leftoverInventory).toEqual([]);
  });

  it('destroys each leftover and unwraps its key again, reporting incompleteRemoved per entry', () => {
    expect(retry.entries.map((entry) => [entry.id, entry.outcome, entry.incompleteRemoved])).toEqual(SPECS.map((spec) => [spec.id, 'imported', 1]));
    expect(retry).toMatchObject({ imported: SPECS.length, conflicts: 0, incompleteRemoved: SPECS.length });
  });

  it('leaves every key object exactly once, with one public key and certificate object, counted with pkcs11-tool', () => {
    for (const spec of SPECS) expect(counts.get(`${KIND[selectorOf(spec).class]}:${spec.id}`), spec.id).toBe(1);
    expect(counts.get('public-key:a1')).toBe(1);
    expect(counts.get('public-key:b1')).toBe(1);
    expect(counts.get('certificate:b1')).toBe(1);
  });

  it('leaves keys that work: the key pairs sign under the source public key, the secrets equal the source ones', async () => {
    for (const spec of SPECS.filter((candidate) => candidate.keyType === 'rsa' || candidate.keyType === 'ec')) {
      const data = randomBytes(64);
      const key = createPublicKey({ key: (await source.publicKeyDer(selectorOf(spec)))!, format: 'der', type: 'spki' });
      expect(verify('sha256', data, spec.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, await target.sign(selectorOf(spec), data)), spec.id).toBe(true);
    }
    const ciphertext = await source.encrypt({ class: 'secret', id: 'c3' }, Buffer.from('same key'));
    expect((await target.decrypt({ class: 'secret', id: 'c3' }, ciphertext)).toString()).toBe('same key');
    const message = randomBytes(32);
    expect(await target.sign({ class: 'secret', id: 'd1' }, message)).toEqual(await source.sign({ class: 'secret', id: 'd1' }, message));
  });

  it('a further import finds every key present: all skipped, nothing removed', async () => {
    const again = await target.importPackage(packageBytes, { clusterId: CLUSTER, expectedDigest: packageDigest });
    expect(again).toMatchObject({ imported: 0, skipped: SPECS.length, conflicts: 0 });
    expect(again.incompleteRemoved ?? 0).toBe(0);
  });
});

describe('on softhsm: an EC key present with the package public object but another private key (a kill before its proof)', () => {
  let fx: HsmFixture;
  let targetRef: TestTokenRef;
  let source: Token;
  let target: Token;
  let result: ImportResult;

  beforeAll(async () => {
    fx = createHsmFixture('softhsm', 'unproven');
    const [sourceRef, madeTargetRef] = (await fx.createTokens(['unproven-source', 'unproven-target'])) as [TestTokenRef, TestTokenRef];
    targetRef = madeTargetRef;
    source = await fx.open(sourceRef);
    target = await fx.open(targetRef);
    await formCluster(source, [target]);
    const spec = { keyType: 'ec', curve: 'P-256', label: 'ec-key', id: 'e9' } as const;
    await source.generateKey(spec);
    // The target holds another EC key under that id, whose public object is replaced by the package's.
    await target.generateKey(spec);
    destroyObjects(targetRef, pkcs11.CKO_PUBLIC_KEY, 'e9');
    const der = (await source.publicKeyDer({ class: 'private', id: 'e9' }))!;
    createRawObject(targetRef, publicKeyObjectTemplate(publicKeyFacts(der), 'ec-key', Buffer.from('e9', 'hex'), ['verify']));
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [{ class: 'private', id: 'e9' }], ttlSeconds: 3600 });
    result = await target.importPackage(exported.bytes, { clusterId: CLUSTER, expectedDigest: exported.ref.digest });
  });

  afterAll(() => fx.dispose());

  it('is reported as invalid-data, not skipped, and left in place', async () => {
    expect(result).toMatchObject({ imported: 0, skipped: 0, invalidData: 1 });
    expect(result.entries[0]?.reason).toMatch(/does not verify under the package's public key.*left in place/);
    const counts = await countTokenObjects(targetRef, targetRef.pinValue);
    expect(counts.get('private-key:e9')).toBe(1);
  });
});
