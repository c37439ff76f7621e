// Keys moved by a keysync.ksp/2 package from one real token to another of the same implementation
// work there, for every supported key type, and import is idempotent and never overwrites: on each
// PKCS#11 implementation the suite runs on (cross-implementation.test.ts moves them between them).
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyGroup, Token } from '../../libs/hsm';
import { makeCertificate } from './support/certificate';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';
import { KEY_SPECS, selectorOf, WITH_CERTIFICATE } from './support/key-specs';
import { destroyObjects } from './support/raw-objects';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'transfer-cluster';

const SPECS = KEY_SPECS;

describe.each(IMPLEMENTATIONS)('on %s', (implementation) => {
  let fx: HsmFixture;
  let source: Token;
  let target: Token;
  let targetRef: TestTokenRef;
  let packageBytes: Buffer;
  let packageDigest: string;
  let sourceGroups: KeyGroup[];

  beforeAll(async () => {
    fx = createHsmFixture(implementation, 'transfer');
    const [sourceRef, targetRefMade] = (await fx.createTokens(['transfer-source', 'transfer-target'])) as [TestTokenRef, TestTokenRef];
    targetRef = targetRefMade;
    source = await fx.open(sourceRef);
    target = await fx.open(targetRef);
    await formCluster(source, [target]);
    // One after another: concurrent key-pair generation into one SoftHSM token store once crashed the
    // test process (native, no JS error) in a full suite run; the few seconds it saves are not worth it.
    for (const spec of SPECS) await source.generateKey(spec);
    for (const id of WITH_CERTIFICATE) {
      const der = await source.publicKeyDer({ class: 'private', id });
      await source.importCertificate({ class: 'private', id }, makeCertificate(der!, `key ${id}`));
    }
    sourceGroups = await source.inventory();
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: SPECS.map(selectorOf), ttlSeconds: 3600 });
    expect(exported.notExportable).toEqual([]);
    packageBytes = exported.bytes;
    packageDigest = exported.ref.digest;
    const result = await target.importPackage(packageBytes, { clusterId: CLUSTER, expectedDigest: packageDigest });
    expect(result.imported).toBe(SPECS.length);
  });

  afterAll(() => fx.dispose());

  describe('keys moved to another token of the cluster', () => {
    it.each(SPECS.filter((spec) => spec.keyType === 'rsa' || spec.keyType === 'ec'))('$label signs on the target and verifies with the source public key', async (spec) => {
      const data = randomBytes(100);
      const signature = await target.sign(selectorOf(spec), data);
      const sourcePublic = createPublicKey({ key: (await source.publicKeyDer(selectorOf(spec)))!, format: 'der', type: 'spki' });
      const options = spec.keyType === 'ec' ? { key: sourcePublic, dsaEncoding: 'ieee-p1363' as const } : sourcePublic;
      expect(verify('sha256', data, options, signature)).toBe(true);
      expect(verify('sha256', Buffer.concat([data, Buffer.from([1])]), options, signature)).toBe(false);
    });

    it.each(SPECS.filter((spec) => spec.keyType === 'aes'))('$label encrypts on one token and decrypts on the other, both ways', async (spec) => {
      const data = randomBytes(77);
      expect(await target.decrypt(selectorOf(spec), await source.encrypt(selectorOf(spec), data))).toEqual(data);
      expect(await source.decrypt(selectorOf(spec), await target.encrypt(selectorOf(spec), data))).toEqual(data);
    });

    it('a generic secret gives the same HMAC on both tokens', async () => {
      const data = randomBytes(64);
      const selector = { class: 'secret', id: 'd1' } as const;
      const onTarget = await target.sign(selector, data);
      expect(onTarget).toHaveLength(32);
      expect(onTarget).toEqual(await source.sign(selector, data));
    });

    it('the target lists the same key groups as the source: type, size or curve, label, id, fingerprint, usages, public and certificate objects', async () => {
      expect(await target.inventory()).toEqual(sourceGroups);
      const byId = new Map((await target.inventory()).map((group) => [group.id, group]));
      expect(byId.get('a1')).toMatchObject({ hasPublicKey: true, hasCertificate: true, size: 2048 });
      expect(byId.get('b3')).toMatchObject({ curve: 'P-521', hasPublicKey: true });
      expect(byId.get('c2')).toMatchObject({ size: 192 });
    });

    it('a second import changes nothing: every entry skipped, object count unchanged', async () => {
      const before = await target.countObjects();
      const again = await target.importPackage(packageBytes, { clusterId: CLUSTER });
      expect(again.entries.map((entry) => entry.outcome)).toEqual(SPECS.map(() => 'skipped'));
      expect({ imported: again.imported, skipped: again.skipped, conflicts: again.conflicts }).toEqual({ imported: 0, skipped: SPECS.length, conflicts: 0 });
      expect(await target.countObjects()).toBe(before);
    });

    it("an import asked for the inventory after it returns the package keys' groups as an inventory of those ids reads them, and where reads must agree twice its confirmation's view is exactly such a read", async () => {
      const confirmed: KeyGroup[][] = [];
      const again = await target.importPackage(packageBytes, { clusterId: CLUSTER, inventoryAfter: true, onConfirmed: (view) => confirmed.push(view) });
      const packageIds = SPECS.map((spec) => spec.id);
      const inventory = await target.inventory(packageIds);
      expect(inventory.map((group) => group.id).sort()).toEqual([...packageIds].sort());
      expect(again.inventoryAfter).toEqual(inventory);
      // SoftHSM confirms every import with a fresh read (module-quirks.ts steadyReads); the other modules need no confirmation.
      expect(confirmed).toEqual(implementation === 'softhsm' ? [inventory] : []);
    });

    it('a retry after a crash between objects completes the key group without duplicating anything', async () => {
      const complete = await target.countObjects();
      expect(destroyObjects(targetRef, pkcs11.CKO_CERTIFICATE, 'b1')).toBe(1);
      expect(destroyObjects(targetRef, pkcs11.CKO_PUBLIC_KEY, 'a1')).toBe(1);
      expect(await target.countObjects()).toBe(complete - 2);
      const retry = await target.importPackage(packageBytes, { clusterId: CLUSTER });
      expect(retry.skipped).toBe(SPECS.length);
      expect(await target.countObjects()).toBe(complete);
      expect(await target.inventory()).toEqual(sourceGroups);
    });
  });

  describe('what is never moved or overwritten', () => {
    it('a key with the same id but another value on the target is reported as a conflict and left untouched', async () => {
      const mine = await target.generateKey({ keyType: 'ec', curve: 'P-256', label: 'target-own', id: 'e1' });
      const theirs = await source.generateKey({ keyType: 'ec', curve: 'P-256', label: 'source-own', id: 'e1' });
      expect(theirs.fingerprint).not.toBe(mine.fingerprint);
      const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [{ class: 'private', id: 'e1' }], ttlSeconds: 600 });
      const before = await target.countObjects();
      const result = await target.importPackage(exported.bytes, { clusterId: CLUSTER });
      expect(result.entries).toEqual([{ class: 'private', id: 'e1', label: 'source-own', fingerprint: theirs.fingerprint, outcome: 'conflict' }]);
      expect(result.conflicts).toBe(1);
      expect(await target.countObjects()).toBe(before);
      const kept = (await target.inventory()).find((group) => group.id === 'e1');
      expect(kept).toMatchObject({ label: 'target-own', fingerprint: mine.fingerprint });
      const data = randomBytes(20);
      const signature = await target.sign({ class: 'private', id: 'e1' }, data);
      const targetPublic = createPublicKey({ key: (await target.publicKeyDer({ class: 'private', id: 'e1' }))!, format: 'der', type: 'spki' });
      expect(verify('sha256', data, { key: targetPublic, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    });

    it('a key that is not extractable is listed as not exportable, left out of the package, and does not stop the others', async () => {
      await source.generateKey({ keyType: 'ec', curve: 'P-256', label: 'locked', id: 'f1', extractable: false });
      await source.generateKey({ keyType: 'aes', size: 256, label: 'free', id: 'f2' });
      expect((await source.inventory()).find((group) => group.id === 'f1')).toMatchObject({ exportable: false });
      const exported = await source.exportPackage({
        clusterId: CLUSTER,
        sourceMember: 'node1',
        keys: [
          { class: 'private', id: 'f1' },
          { class: 'secret', id: 'f2' },
        ],
        ttlSeconds: 600,
      });
      expect(exported.notExportable).toEqual([{ class: 'private', id: 'f1' }]);
      expect(exported.entries.map((entry) => entry.id)).toEqual(['f2']);
      expect(exported.ref.keyCount).toBe(1);
      const result = await target.importPackage(exported.bytes, { clusterId: CLUSTER });
      expect(result.imported).toBe(1);
      expect((await target.inventory()).some((group) => group.id === 'f1')).toBe(false);
    });

    it('the inventory carries no secret value and leaves out the cluster transfer secrets and the transport key', async () => {
      const groups = await target.inventory();
      // certificate: the certificate's SHA-256 and notBefore, public facts (drift state differs).
      const allowed = ['class', 'keyType', 'size', 'curve', 'label', 'id', 'fingerprint', 'usages', 'hasPublicKey', 'hasCertificate', 'certificate', 'otherCertificates', 'exportable'];
      for (const group of groups) {
        expect(Object.keys(group).every((key) => allowed.includes(key))).toBe(true);
        expect(Object.values(group).some((value) => Buffer.isBuffer(value))).toBe(false);
      }
      expect(groups.some((group) => group.label.startsWith('keysync.'))).toBe(false);
    });
  });
});
