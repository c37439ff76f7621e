// Opening tokens (by label, PIN from env or file, typed errors that never show the PIN) and the
// cluster transfer secrets: founding, the transport key, and the transfer to a joining token, on
// each PKCS#11 implementation the suite runs on.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmError, initSoftHsmToken, negotiateOaepHash, openToken } from '../../libs/hsm';
import type { HsmImplementation, OaepHash, Token } from '../../libs/hsm';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';

const CLUSTER = 'secrets-cluster';

/** What each implementation's RSA-OAEP accepts (HSM-INTEROP.md): SoftHSM lists OAEP but takes SHA-1 only. */
const OAEP_HASHES: Record<HsmImplementation, OaepHash[]> = { softhsm: ['sha1'], kryoptic: ['sha256', 'sha1'], nss: ['sha256', 'sha1'] };

async function failure(promise: Promise<unknown>): Promise<HsmError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HsmError);
  return error as HsmError;
}

describe.each(IMPLEMENTATIONS)('on %s', (implementation) => {
  let fx: HsmFixture;
  let founderRef: TestTokenRef;
  let joinerRef: TestTokenRef;
  let strangerRef: TestTokenRef;
  let founder: Token;
  let joiner: Token;
  const wrapFor = (sponsor: Token, transport: { publicKeyDer: Buffer; oaepHashes: OaepHash[] }) => sponsor.wrapClusterSecretsForTransport(transport.publicKeyDer, negotiateOaepHash(sponsor.capabilities().oaepHashes, transport.oaepHashes));

  beforeAll(async () => {
    fx = createHsmFixture(implementation, 'secrets');
    [founderRef, joinerRef, strangerRef] = (await fx.createTokens(['secrets-founder', 'secrets-joiner', 'secrets-stranger'])) as [TestTokenRef, TestTokenRef, TestTokenRef];
  });

  afterAll(() => fx.dispose());

  describe('opening a token', () => {
    it('a wrong PIN is a non-retryable pin-incorrect error whose message does not contain the PIN', async () => {
      const wrongPin = `${founderRef.pinValue}-wrong`;
      process.env.KEYSYNC_TEST_WRONG_PIN = wrongPin;
      const error = await failure(openToken({ ...founderRef, pin: { env: 'KEYSYNC_TEST_WRONG_PIN' } }));
      expect(error).toMatchObject({ kind: 'pin-incorrect', retryable: false });
      expect(error.ckr?.name).toMatch(/^CKR_PIN_/);
      expect(error.message).toContain('secrets-founder');
      expect(error.message).not.toContain(wrongPin);
      expect(error.message).not.toContain(founderRef.pinValue);
      expect(JSON.stringify(error)).not.toContain(wrongPin);
    });

    it('a missing PIN variable or file is pin-unavailable, naming the source but no value', async () => {
      const fromEnv = await failure(openToken({ ...founderRef, pin: { env: 'KEYSYNC_TEST_NO_SUCH_VARIABLE' } }));
      expect(fromEnv).toMatchObject({ kind: 'pin-unavailable', retryable: false });
      expect(fromEnv.message).toContain('KEYSYNC_TEST_NO_SUCH_VARIABLE');
      const fromFile = await failure(openToken({ ...founderRef, pin: { file: join(fx.dir, 'absent.pin') } }));
      expect(fromFile).toMatchObject({ kind: 'pin-unavailable' });
    });

    it('an unknown label is token-not-found and lists the labels it saw', async () => {
      const error = await failure(openToken({ ...founderRef, tokenLabel: 'no-such-token' }));
      expect(error).toMatchObject({ kind: 'token-not-found', retryable: false });
      expect(error.message).toContain('"secrets-founder"');
      expect(error.message).not.toContain(founderRef.pinValue);
    });

    it('opens by label with the PIN from a file (final newline allowed), and a second open of the same token is fine (already logged in)', async () => {
      const pinFile = join(fx.dir, 'founder.pin');
      writeFileSync(pinFile, `${founderRef.pinValue}\n`, { mode: 0o600 });
      founder = await fx.open({ ...founderRef, pin: { file: pinFile } });
      const again = await openToken(founderRef);
      expect(again.label).toBe('secrets-founder');
      expect(await again.inventory()).toEqual([]);
      await again.close();
      // Closing one handle keeps the other's login.
      expect(await founder.inventory()).toEqual([]);
      joiner = await fx.open(joinerRef);
    });

    it.runIf(implementation === 'softhsm')('a token created while tokens of the module are open is not seen until they are all closed, and the error says so (SoftHSM only: Kryoptic and NSS get their tokens from configuration, made before any opens)', async () => {
      const { pkcs11Module, environment } = fx.module();
      await initSoftHsmToken({ confPath: environment.SOFTHSM2_CONF!, tokensDir: join(fx.dir, 'tokens', 'tokens'), modulePath: pkcs11Module }, 'secrets-late', 'late-pin-1234', 'late-so-1234');
      const error = await failure(openToken({ ...joinerRef, tokenLabel: 'secrets-late' }));
      expect(error.kind).toBe('token-not-found');
      expect(error.message).toMatch(/created while/);
    });

    it('a closed token refuses further calls with a session error', async () => {
      const extra = await openToken(strangerRef);
      await extra.close();
      await expect(extra.inventory()).rejects.toMatchObject({ kind: 'session', retryable: true });
    });
  });

  describe('cluster transfer secrets', () => {
    it('a fresh token has none; the founder creates KTK and PMK once, a second time is refused', async () => {
      expect(await founder.clusterSecretsKcv()).toBeNull();
      const kcv = await founder.createClusterSecrets();
      expect(kcv.ktkKcv).toMatch(/^[0-9a-f]{6}$/);
      expect(kcv.pmkKcv).toMatch(/^[0-9a-f]{6}$/);
      expect(await founder.clusterSecretsKcv()).toEqual(kcv);
      const error = await failure(founder.createClusterSecrets());
      expect(error).toMatchObject({ kind: 'already-exists', retryable: false });
      expect(await founder.inventory()).toEqual([]);
    });

    it('the transport key is RSA-3072, stable across calls, and its fingerprint is the SHA-256 of its public key', async () => {
      const first = await joiner.createTransportKey();
      const second = await joiner.createTransportKey();
      expect(second.fingerprint).toBe(first.fingerprint);
      const { createHash, createPublicKey } = await import('node:crypto');
      expect(createHash('sha256').update(first.publicKeyDer).digest('hex')).toBe(first.fingerprint);
      expect(createPublicKey({ key: first.publicKeyDer, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength).toBe(3072);
    });

    it('the joining token states its OAEP hashes; the transfer uses the strongest both have, yields the same check values, and is idempotent', async () => {
      const transport = await joiner.createTransportKey();
      expect(transport.oaepHashes).toEqual(OAEP_HASHES[implementation]);
      const { blob, oaepHash } = await wrapFor(founder, transport);
      // SoftHSM does OAEP with SHA-1 only (DESIGN 11); the others take SHA-256.
      expect(oaepHash).toBe(OAEP_HASHES[implementation][0]);
      expect(await joiner.clusterSecretsKcv()).toBeNull();
      const received = await joiner.unwrapClusterSecretsFromTransport(blob);
      expect(received).toEqual(await founder.clusterSecretsKcv());
      expect(await joiner.clusterSecretsKcv()).toEqual(received);
      const objects = await joiner.countObjects();
      expect(await joiner.unwrapClusterSecretsFromTransport(blob)).toEqual(received);
      expect(await joiner.countObjects()).toBe(objects);
      expect(await joiner.inventory()).toEqual([]);
    });

    it('the joined token then imports a package from the founder, and the keys work there', async () => {
      await founder.generateKey({ keyType: 'generic-secret', size: 256, label: 'shared hmac', id: '0a' });
      const exported = await founder.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: [{ class: 'secret', id: '0a' }], ttlSeconds: 600 });
      const result = await joiner.importPackage(exported.bytes, { clusterId: CLUSTER, expectedDigest: exported.ref.digest });
      expect(result.imported).toBe(1);
      const data = Buffer.from('same key, same MAC');
      expect(await joiner.sign({ class: 'secret', id: '0a' }, data)).toEqual(await founder.sign({ class: 'secret', id: '0a' }, data));
    });

    it('a token that already holds another cluster secrets refuses the transfer and keeps its own', async () => {
      const stranger = await fx.open(strangerRef);
      const own = await stranger.createClusterSecrets();
      const transport = await stranger.createTransportKey();
      const { blob } = await wrapFor(founder, transport);
      const error = await failure(stranger.unwrapClusterSecretsFromTransport(blob));
      expect(error.kind).toBe('already-exists');
      expect(await stranger.clusterSecretsKcv()).toEqual(own);
    });

    it('a transfer wrapped for another token transport key is refused', async () => {
      const transport = await joiner.createTransportKey();
      const { blob } = await wrapFor(founder, transport);
      const other = await fx.open(strangerRef);
      await other.createTransportKey();
      const error = await failure(other.unwrapClusterSecretsFromTransport(blob));
      expect(error.kind).toBe('invalid-data');
      expect(error.message).toMatch(/another transport key/);
    });

    it('a transfer damaged on the way is refused as invalid data before the HSM unwraps anything', async () => {
      const stranger = await fx.open(strangerRef);
      const transport = await stranger.createTransportKey();
      const { blob } = await wrapFor(founder, transport);
      const value = JSON.parse(blob.toString('utf8')) as { wrappedKtk: string };
      const wrapped = Buffer.from(value.wrappedKtk, 'base64');
      wrapped[10] = wrapped[10]! ^ 0x04;
      value.wrappedKtk = wrapped.toString('base64');
      const before = await stranger.countObjects();
      const error = await failure(stranger.unwrapClusterSecretsFromTransport(Buffer.from(JSON.stringify(value))));
      expect(error).toMatchObject({ kind: 'invalid-data', retryable: false });
      expect(error.message).not.toContain(value.wrappedKtk.slice(0, 16));
      expect(await stranger.countObjects()).toBe(before);
    });

    it('a short or non-RSA transport key is refused before anything is wrapped', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
      expect((await failure(founder.wrapClusterSecretsForTransport(ec, 'sha1'))).kind).toBe('invalid-data');
      expect((await failure(founder.wrapClusterSecretsForTransport(Buffer.from('not a key'), 'sha1'))).kind).toBe('invalid-data');
    });

    it.runIf(implementation === 'softhsm')('a sponsor asked for an OAEP hash it lacks refuses before the module is asked, naming what it has (SoftHSM only: the others have both hashes)', async () => {
      const transport = await joiner.createTransportKey();
      const error = await failure(founder.wrapClusterSecretsForTransport(transport.publicKeyDer, 'sha256'));
      expect(error).toMatchObject({ kind: 'unsupported', retryable: false });
      expect(error.message).toMatch(/does not do RSA-OAEP with SHA256 \(it does: sha1\)/);
    });
  });
});
