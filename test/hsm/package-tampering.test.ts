// Every kind of damage to a package is refused before anything is unwrapped, with a reason that
// says what is wrong, and creates no object on the target token: on each PKCS#11 implementation
// the suite runs on (the MAC is computed and checked inside each HSM).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePackage, encodePackage, PackageRejectedError } from '../../libs/hsm';
import type { PackageRejectionReason, Token } from '../../libs/hsm';
import { makeCertificate } from './support/certificate';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture } from './support/hsm-fixture';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'tamper-cluster';

describe.each(IMPLEMENTATIONS)('on %s', (implementation) => {
  let fx: HsmFixture;
  let source: Token;
  let target: Token;
  let foreign: Token;
  let unjoined: Token;
  let late: Token;
  let original: Buffer;
  let originalDigest: string;
  let other: Buffer;
  let wrappedKeys: string[];

  beforeAll(async () => {
    // Every token is created before the first one opens: modules read their tokens at C_Initialize.
    fx = createHsmFixture(implementation, 'tamper');
    const refs = await fx.createTokens(['tamper-source', 'tamper-target', 'tamper-foreign', 'tamper-unjoined', 'tamper-late']);
    [source, target, foreign, unjoined, late] = (await Promise.all(refs.map((ref) => fx.open(ref)))) as [Token, Token, Token, Token, Token];
    await formCluster(source, [target, late]);
    await foreign.createClusterSecrets();
    await source.generateKey({ keyType: 'ec', curve: 'P-256', label: 'ec key', id: '01' });
    await source.generateKey({ keyType: 'rsa', size: 2048, label: 'rsa key', id: '02' });
    await source.generateKey({ keyType: 'aes', size: 256, label: 'aes key', id: '03' });
    await source.generateKey({ keyType: 'generic-secret', size: 256, label: 'hmac key', id: '04' });
    await source.importCertificate({ class: 'private', id: '01' }, makeCertificate((await source.publicKeyDer({ class: 'private', id: '01' }))!, 'ec key'));
    const keys = [
      { class: 'private', id: '01' },
      { class: 'private', id: '02' },
      { class: 'secret', id: '03' },
      { class: 'secret', id: '04' },
    ] as const;
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [...keys], ttlSeconds: 3600 });
    original = exported.bytes;
    originalDigest = exported.ref.digest;
    other = (await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [...keys], ttlSeconds: 3600 })).bytes;
    wrappedKeys = decodePackage(original).entries.map((entry) => entry.wrappedKey);
  });

  afterAll(() => fx.dispose());

  /** Imports `bytes` on `token`, expects a refusal, and checks that no object was created. */
  async function expectRefused(bytes: Buffer, opts: { expectedDigest?: string; now?: Date; clusterId?: string } = {}, token: Token = target): Promise<PackageRejectedError> {
    const before = await token.countObjects();
    const error = await token.importPackage(bytes, { clusterId: CLUSTER, ...opts }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(PackageRejectedError);
    const rejected = error as PackageRejectedError;
    expect(rejected.retryable).toBe(false);
    expect(rejected.message.length).toBeGreaterThan(40);
    for (const wrapped of wrappedKeys) expect(rejected.message).not.toContain(wrapped.slice(0, 16));
    expect(await token.countObjects()).toBe(before);
    return rejected;
  }

  function edit(bytes: Buffer, change: (file: ReturnType<typeof decodePackage>) => void): Buffer {
    const file = decodePackage(bytes);
    change(file);
    return encodePackage(file, Buffer.from(file.trailer.mac, 'hex'));
  }

  describe('a damaged package is refused and creates nothing', () => {
    it('a single bit flipped anywhere in the file is refused (at 120 positions spread over the whole file)', async () => {
      const reasons = new Set<PackageRejectionReason>();
      const positions = Array.from({ length: 120 }, (_, i) => Math.floor((i * (original.length - 1)) / 119));
      for (const position of positions) {
        const flipped = Buffer.from(original);
        flipped[position] = flipped[position]! ^ (1 << position % 7);
        reasons.add((await expectRefused(flipped)).reason);
      }
      // Flips land in JSON syntax, in MACed values and in the MAC itself: both checks must have fired.
      expect(reasons.has('malformed')).toBe(true);
      expect(reasons.has('tampered')).toBe(true);
    });

    it('with the digest the store named it by, any flipped bit is a digest mismatch', async () => {
      for (const position of [0, 100, Math.floor(original.length / 2), original.length - 2]) {
        const flipped = Buffer.from(original);
        flipped[position] = flipped[position]! ^ 0x01;
        expect((await expectRefused(flipped, { expectedDigest: originalDigest })).reason).toBe('digest-mismatch');
      }
    });

    it('a truncated file is refused as malformed', async () => {
      for (const length of [0, 1, 50, Math.floor(original.length / 2), original.length - 1]) {
        expect((await expectRefused(original.subarray(0, length))).reason).toBe('malformed');
      }
    });

    it('an edited header field is refused as tampered', async () => {
      const edits: Array<(file: ReturnType<typeof decodePackage>) => void> = [
        (file) => (file.header.expiresAt = '2999-01-01T00:00:00.000Z'),
        (file) => (file.header.sourceMember = 'node9'),
        (file) => (file.header.createdAt = '2020-01-01T00:00:00.000Z'),
        (file) => (file.header.packageId = '00000000-0000-4000-8000-000000000000'),
      ];
      for (const change of edits) expect((await expectRefused(edit(original, change))).reason).toBe('tampered');
    });

    it('an edited entry (label, id, usages, public key, wrapped key from another entry) is refused as tampered', async () => {
      const edits: Array<(file: ReturnType<typeof decodePackage>) => void> = [
        (file) => (file.entries[0]!.label = 'renamed'),
        (file) => (file.entries[2]!.id = 'ff'),
        (file) => (file.entries[0]!.usages = ['sign', 'derive']),
        (file) => (file.entries[0]!.publicKeyDer = file.entries[1]!.publicKeyDer),
        (file) => (file.entries[2]!.wrappedKey = file.entries[3]!.wrappedKey),
      ];
      for (const change of edits) expect((await expectRefused(edit(original, change))).reason).toBe('tampered');
    });

    it('reordered entries are refused as tampered', async () => {
      expect((await expectRefused(edit(original, (file) => file.entries.reverse()))).reason).toBe('tampered');
    });

    it('a removed entry is refused as tampered', async () => {
      expect((await expectRefused(edit(original, (file) => file.entries.splice(1, 1)))).reason).toBe('tampered');
    });

    it('the MAC of another package of the same cluster is refused as tampered', async () => {
      const swapped = edit(original, (file) => (file.trailer.mac = decodePackage(other).trailer.mac));
      const otherMacOnOriginal = encodePackage(decodePackage(original), Buffer.from(decodePackage(other).trailer.mac, 'hex'));
      expect(swapped).toEqual(otherMacOnOriginal);
      expect((await expectRefused(otherMacOnOriginal)).reason).toBe('tampered');
    });

    it('re-formatted JSON (same content, other bytes) is refused as malformed', async () => {
      const pretty = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8')), null, 2));
      expect((await expectRefused(pretty)).reason).toBe('malformed');
    });

    it('another format version is refused as unsupported', async () => {
      const future = Buffer.from(original.toString('utf8').replace('"format":"keysync.ksp/2"', '"format":"keysync.ksp/3"'));
      const rejected = await expectRefused(future);
      expect(rejected.reason).toBe('unsupported-format');
      expect(rejected.message).toContain('keysync.ksp/2');
    });
  });

  describe('a genuine package in the wrong place or time is refused', () => {
    it('a package of another cluster id is refused as wrong-cluster', async () => {
      const rejected = await expectRefused(original, { clusterId: 'another-cluster' });
      expect(rejected.reason).toBe('wrong-cluster');
      expect(rejected.message).toContain(CLUSTER);
    });

    it('a package made with another cluster secrets (same cluster name) is refused as wrong-cluster on check values, before any unwrap', async () => {
      const foreignKey = await foreign.generateKey({ keyType: 'aes', size: 128, label: 'foreign', id: '99' });
      const alien = await foreign.exportPackage({ clusterId: CLUSTER, sourceMember: 'impostor', keys: [{ class: 'secret', id: foreignKey.id }], ttlSeconds: 600 });
      const rejected = await expectRefused(alien.bytes);
      expect(rejected.reason).toBe('wrong-cluster');
      expect(rejected.message).toMatch(/KTK/);
    });

    it('a member without cluster secrets refuses a package and says to join first', async () => {
      const rejected = await expectRefused(original, {}, unjoined);
      expect(rejected.reason).toBe('wrong-cluster');
      expect(rejected.message).toMatch(/join/);
    });

    it('a package past its expiry is refused as expired, and verifyPackage says the same', async () => {
      const old = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [{ class: 'secret', id: '03' }], ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) });
      expect((await expectRefused(old.bytes)).reason).toBe('expired');
      await expect(target.verifyPackage(original, { clusterId: CLUSTER, now: new Date(Date.now() + 2 * 3_600_000) })).rejects.toMatchObject({ reason: 'expired' });
    });
  });

  describe('the untouched package', () => {
    it('verifies without unwrapping, shows no key bytes, then imports every key', async () => {
      const before = await target.countObjects();
      const manifest = await target.verifyPackage(original, { clusterId: CLUSTER, expectedDigest: originalDigest });
      expect(await target.countObjects()).toBe(before);
      expect(manifest).toMatchObject({ format: 'keysync.ksp/2', clusterId: CLUSTER, sourceMember: 'node1', digest: originalDigest, keyCount: 4 });
      const shown = JSON.stringify(manifest);
      for (const wrapped of wrappedKeys) expect(shown).not.toContain(wrapped.slice(0, 16));
      const result = await target.importPackage(original, { clusterId: CLUSTER, expectedDigest: originalDigest });
      expect(result).toMatchObject({ imported: 4, skipped: 0, conflicts: 0, packageDigest: originalDigest });
      // EC + public + certificate, RSA + public, AES, HMAC.
      expect(await target.countObjects()).toBe(before + 7);
    });

    it('an import asked to stop stops between key groups, and a retry finishes the rest without duplicates', async () => {
      const before = await late.countObjects();
      const progress: Array<[number, number]> = [];
      const first = await late.importPackage(original, { clusterId: CLUSTER, onProgress: (done, total) => progress.push([done, total]), shouldStop: () => progress.length >= 2 });
      expect(first.stopped).toBe(true);
      expect(first.entries.map((entry) => [entry.id, entry.outcome])).toEqual([
        ['01', 'imported'],
        ['02', 'imported'],
      ]);
      expect(progress).toEqual([
        [1, 4],
        [2, 4],
      ]);
      // Whole groups only: EC + public + certificate, RSA + public.
      expect(await late.countObjects()).toBe(before + 5);
      const retry = await late.importPackage(original, { clusterId: CLUSTER });
      expect(retry).toMatchObject({ imported: 2, skipped: 2, conflicts: 0 });
      expect(retry.stopped).toBeUndefined();
      expect(await late.countObjects()).toBe(before + 7);
    });
  });
});
