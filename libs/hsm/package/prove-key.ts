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
// Returns why the proof failed (fingerprints and check values only), or null.
import { createHash, verify } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import type { CheckValueCalculator } from '../check-values';
import { isPkcs11Failure } from '../errors';
import type { KeyGroupReader } from '../key-groups';
import { ecPrivateKeyAttributes } from '../module-quirks';
import type { Handle, HsmSession } from '../session';
import { bareEcPoint, curveInfo } from '../spki';
import { sessionSigningCopyTemplate } from '../templates';
import type { PackageEntry } from '../../package-format';
import type { PackagePublicKey } from './package-public-key';

const PROOF_MESSAGE = Buffer.from('keysync: proof of an unwrapped key', 'utf8');

export function proofFailure(session: HsmSession, reader: KeyGroupReader, checkValues: CheckValueCalculator, key: Handle, entry: PackageEntry, publicKey: PackagePublicKey | undefined): string | null {
  // An EC key's proof is a signature that verifies under the package's public key, which only the package's complete private key gives: reading its group back first would prove nothing more.
  if (entry.keyType === 'ec') return ecProofFailure(session, checkValues, key, entry, publicKey)?.reason ?? null;
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
export function ecProofFailure(session: HsmSession, checkValues: CheckValueCalculator, key: Handle, entry: PackageEntry, publicKey: PackagePublicKey | undefined): { reason: string; definite: boolean } | null {
  const unprovable = (reason: string) => ({ reason, definite: false });
  if (!publicKey || !entry.curve) return unprovable('the package gives no public key to check it against');
  const facts = publicKey.facts;
  if (facts.keyType !== 'ec') return unprovable('the package public key is not an EC key');
  const digest = createHash('sha256').update(PROOF_MESSAGE).digest();
  const sign = (signer: Handle): Buffer | undefined => {
    try {
      session.lib.C_SignInit(session.handle, { mechanism: pkcs11.CKM_ECDSA }, signer);
      return session.lib.C_Sign(session.handle, digest, Buffer.alloc(256));
    } catch (error) {
      if (isPkcs11Failure(error)) return undefined;
      throw error;
    }
  };
  const canSign = session.read(key, [pkcs11.CKA_SIGN]).get(pkcs11.CKA_SIGN)?.[0] === 1;
  const moduleAttributes = ecPrivateKeyAttributes(session.profile.quirks, bareEcPoint(facts.ecPoint, curveInfo(entry.curve)));
  const signature = (canSign ? sign(key) : undefined) ?? checkValues.withSessionCopy(key, sessionSigningCopyTemplate(moduleAttributes), sign);
  if (!signature) return unprovable('this token will not sign with it (nor with a session copy), so it cannot be proven');
  const valid = verify('sha256', PROOF_MESSAGE, { key: publicKey.key, dsaEncoding: 'ieee-p1363' }, signature);
  return valid ? null : { reason: `a signature by it does not verify under the package's public key (fingerprint ${entry.fingerprint})`, definite: true };
}
