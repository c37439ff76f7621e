// Every unwrapped key is proven to be the package's key before it counts (DESIGN 16): a mismatched
// pair of mechanisms can unwrap without an error and give a wrong key (HSM-INTEROP.md). The proof
// per key type:
// - RSA: the fingerprint of the public key read from the unwrapped private key (its modulus).
// - EC: the private object does not carry its point, so a signature by the unwrapped key over a
//   fixed message must verify under the package's public key (by a session copy allowed to sign
//   when the key itself may not). No other read of the key is needed: only the package's key,
//   complete, gives that signature.
// - AES: its KCV, computed on this token.
// - generic secret: its KCV and its HMAC check value, which the source HSM computed at export.
// The signature is made and checked on libuv's pool, not on the event loop, which a worker's other
// agents need for their own imports meanwhile.
// Returns why the proof failed (fingerprints and check values only), or null.
import { createHash, verify, type KeyObject } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import type { CheckValueCalculator } from '../check-values';
import { isPkcs11Failure } from '../errors';
import type { KeyGroupReader } from '../key-groups';
import { ecPrivateKeyAttributes } from '../module-quirks';
import { asBool } from '../session';
import type { Handle, HsmSession } from '../session';
import { bareEcPoint, curveInfo } from '../spki';
import { sessionSigningCopyTemplate } from '../templates';
import type { PackageEntry } from '../../package-format';
import type { PackagePublicKey } from './package-public-key';

const PROOF_MESSAGE = Buffer.from('keysync: proof of an unwrapped key', 'utf8');
const PROOF_DIGEST = createHash('sha256').update(PROOF_MESSAGE).digest();

/** `canSign`: the key's CKA_SIGN when the caller has just read it; undefined, read here. */
export async function proofFailure(session: HsmSession, reader: KeyGroupReader, checkValues: CheckValueCalculator, key: Handle, entry: PackageEntry, publicKey: PackagePublicKey | undefined, canSign?: boolean): Promise<string | null> {
  // An EC key's proof is a signature that verifies under the package's public key, which only the package's complete private key gives: reading its group back first would prove nothing more.
  if (entry.keyType === 'ec') return (await ecProofFailure(session, checkValues, key, entry, publicKey, canSign))?.reason ?? null;
  const arrived = reader.describe(entry.class, key);
  if (!arrived) return `the unwrapped key cannot be read back as a ${entry.keyType} key`;
  if (arrived.fingerprint !== entry.fingerprint) {
    const what = entry.keyType === 'rsa' ? 'public key fingerprint' : 'check value (KCV)';
    return `its ${what} on this token is ${arrived.fingerprint || '(none)'}, not the package's ${entry.fingerprint}`;
  }
  if (entry.keyType === 'generic-secret') {
    const hmac = checkValues.hmacCheckValue(key, { canSign: arrived.usages.includes('sign'), extractable: true });
    if (hmac !== entry.hmacCheckValue) return `its HMAC check value on this token is ${hmac ?? '(not computable)'}, not the ${entry.hmacCheckValue ?? '(missing)'} the source computed`;
  }
  return null;
}

/**
 * Why an EC key is not proven to be the entry's, or null. `definite`: it signed, and the signature
 * does not verify under the package's public key (not merely unprovable on this token).
 */
export async function ecProofFailure(session: HsmSession, checkValues: CheckValueCalculator, key: Handle, entry: PackageEntry, publicKey: PackagePublicKey | undefined, canSign?: boolean): Promise<{ reason: string; definite: boolean } | null> {
  const unprovable = (reason: string) => ({ reason, definite: false });
  if (!publicKey || !entry.curve) return unprovable('the package gives no public key to check it against');
  const facts = publicKey.facts;
  if (facts.keyType !== 'ec') return unprovable('the package public key is not an EC key');
  const sign = async (signer: Handle): Promise<Buffer | undefined> => {
    try {
      session.lib.C_SignInit(session.handle, { mechanism: pkcs11.CKM_ECDSA }, signer);
      return await session.lib.C_SignAsync(session.handle, PROOF_DIGEST, Buffer.alloc(256));
    } catch (error) {
      if (isPkcs11Failure(error)) return undefined;
      throw error;
    }
  };
  const maySign = canSign ?? asBool(session.read(key, [pkcs11.CKA_SIGN]).get(pkcs11.CKA_SIGN)) === true;
  const moduleAttributes = ecPrivateKeyAttributes(session.profile.quirks, bareEcPoint(facts.ecPoint, curveInfo(entry.curve)));
  const signature = (maySign ? await sign(key) : undefined) ?? (await checkValues.withSessionCopy(key, sessionSigningCopyTemplate(moduleAttributes), sign));
  if (!signature) return unprovable('this token will not sign with it (nor with a session copy), so it cannot be proven');
  const valid = await verifiesUnder(publicKey.key, signature);
  return valid ? null : { reason: `a signature by it does not verify under the package's public key (fingerprint ${entry.fingerprint})`, definite: true };
}

/** node:crypto's check of the proof's signature, run on libuv's pool. */
function verifiesUnder(key: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    verify('sha256', PROOF_MESSAGE, { key, dsaEncoding: 'ieee-p1363' }, signature, (error, valid) => (error ? reject(error) : resolve(valid)));
  });
}
