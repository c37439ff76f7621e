// The cluster transfer secrets (KTK, PMK) and the joining member's transport key (DESIGN 3).
import * as pkcs11 from 'pkcs11js';
import { CheckValueCalculator } from './check-values';
import { HsmError } from './errors';
import type { Handle, HsmSession } from './session';
import { asBool } from './session';
import { sha256Hex } from '../digest';
import { publicKeyFacts, rsaSpki } from './spki';
import { findTemplate, ktkTemplate, pmkTemplate, RESERVED, sessionRsaWrappingKeyTemplate, transportKeyTemplates } from './templates';
import { decodeTransportBlob, encodeTransportBlob, TRANSPORT_FORMAT } from './transport-blob';
import type { ClusterSecretsKcv, OaepHash, TransportKeyInfo } from './types';

export interface ClusterSecretHandles {
  ktk?: Handle;
  pmk?: Handle;
}

function findOne(session: HsmSession, reserved: { id: Buffer }, what: string): Handle | undefined {
  const found = session.find(findTemplate(pkcs11.CKO_SECRET_KEY, reserved.id));
  if (found.length > 1) throw new HsmError('already-exists', `The token holds ${found.length} ${what} objects; it must hold one: remove the extra ones with the token's administration tool.`);
  return found[0];
}

export function findClusterSecrets(session: HsmSession): ClusterSecretHandles {
  const ktk = findOne(session, RESERVED.ktk, 'KTK');
  const pmk = findOne(session, RESERVED.pmk, 'PMK');
  return { ...(ktk ? { ktk } : {}), ...(pmk ? { pmk } : {}) };
}

export function kcvOf(session: HsmSession, handle: Handle, keyType: 'aes' | 'generic-secret'): string {
  const calculator = new CheckValueCalculator(session);
  try {
    const attrs = session.read(handle, [pkcs11.CKA_CHECK_VALUE, pkcs11.CKA_EXTRACTABLE]);
    const checkValue = attrs.get(pkcs11.CKA_CHECK_VALUE);
    const { kcv } = calculator.facts(handle, { keyType, ...(checkValue ? { checkValue } : {}), valueLen: 32, extractable: asBool(attrs.get(pkcs11.CKA_EXTRACTABLE)) === true, canEncrypt: false });
    if (!kcv) throw new HsmError('unsupported', 'The check value of a cluster transfer secret cannot be computed on this HSM.');
    return kcv;
  } finally {
    calculator.dispose();
  }
}

/** Both KCVs, or null when the token does not hold both secrets (not founded, not joined yet). */
export function clusterSecretsKcv(session: HsmSession): ClusterSecretsKcv | null {
  const { ktk, pmk } = findClusterSecrets(session);
  if (!ktk || !pmk) return null;
  return kcvOfSecrets(session, { ktk, pmk });
}

export function kcvOfSecrets(session: HsmSession, secrets: Required<ClusterSecretHandles>): ClusterSecretsKcv {
  return { ktkKcv: kcvOf(session, secrets.ktk, 'aes'), pmkKcv: kcvOf(session, secrets.pmk, 'generic-secret') };
}

export function requireClusterSecrets(session: HsmSession, tokenLabel: string): Required<ClusterSecretHandles> {
  const { ktk, pmk } = findClusterSecrets(session);
  if (!ktk || !pmk) {
    throw new HsmError('key-not-found', `Token "${tokenLabel}" holds no cluster transfer secrets (KTK and PMK): create them on the founder, or join this member to the cluster first.`);
  }
  return { ktk, pmk };
}

export async function createClusterSecrets(session: HsmSession, tokenLabel: string): Promise<ClusterSecretsKcv> {
  const existing = findClusterSecrets(session);
  if (existing.ktk || existing.pmk) {
    throw new HsmError('already-exists', `Token "${tokenLabel}" already holds cluster transfer secrets: a cluster is founded once; a member joins it instead.`);
  }
  const { lib, handle } = session;
  await lib.C_GenerateKeyAsync(handle, { mechanism: pkcs11.CKM_AES_KEY_GEN }, ktkTemplate());
  await lib.C_GenerateKeyAsync(handle, { mechanism: pkcs11.CKM_GENERIC_SECRET_KEY_GEN }, pmkTemplate());
  const kcv = clusterSecretsKcv(session);
  if (!kcv) throw new HsmError('device-error', `The cluster transfer secrets were generated on token "${tokenLabel}" but cannot be found again.`);
  return kcv;
}

function transportPrivateKey(session: HsmSession): Handle | undefined {
  return session.find(findTemplate(pkcs11.CKO_PRIVATE_KEY, RESERVED.transport.id))[0];
}

function transportInfo(session: HsmSession, privateKey: Handle): TransportKeyInfo {
  const attrs = session.read(privateKey, [pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT]);
  const modulus = attrs.get(pkcs11.CKA_MODULUS);
  const exponent = attrs.get(pkcs11.CKA_PUBLIC_EXPONENT);
  if (!modulus || !exponent) throw new HsmError('unsupported', 'The transport private key does not show its modulus and exponent.');
  const publicKeyDer = rsaSpki(modulus, exponent);
  return { fingerprint: sha256Hex(publicKeyDer), publicKeyDer, oaepHashes: [...session.profile.capabilities.oaepHashes] };
}

/** The joining token's transport key, and the OAEP hashes it can unwrap with: what the sponsor chooses from. */
export async function createTransportKey(session: HsmSession): Promise<TransportKeyInfo> {
  const existing = transportPrivateKey(session);
  if (existing) return transportInfo(session, existing);
  const templates = transportKeyTemplates();
  const pair = await session.lib.C_GenerateKeyPairAsync(session.handle, { mechanism: pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN }, templates.publicKey, templates.privateKey);
  return transportInfo(session, pair.privateKey);
}

/** PKCS#11's CKZ_DATA_SPECIFIED (empty label); pkcs11js exports no CKZ_* constant. */
const CKZ_DATA_SPECIFIED = 1;

function oaep(hash: OaepHash): pkcs11.Mechanism {
  const parameter: pkcs11.RsaOAEP = {
    type: pkcs11.CK_PARAMS_RSA_OAEP,
    hashAlg: hash === 'sha256' ? pkcs11.CKM_SHA256 : pkcs11.CKM_SHA_1,
    mgf: hash === 'sha256' ? pkcs11.CKG_MGF1_SHA256 : pkcs11.CKG_MGF1_SHA1,
    source: CKZ_DATA_SPECIFIED,
  };
  return { mechanism: pkcs11.CKM_RSA_PKCS_OAEP, parameter };
}

/** HsmError 'unsupported' when this token does not do RSA-OAEP with that hash (its capabilities, from the quirks table). */
function requireOaepHash(session: HsmSession, tokenLabel: string, hash: OaepHash, role: string): void {
  const hashes = session.profile.capabilities.oaepHashes;
  if (hashes.includes(hash)) return;
  throw new HsmError(
    'unsupported',
    `Token "${tokenLabel}" (the ${role}) does not do RSA-OAEP with ${hash.toUpperCase()} (it does: ${hashes.join(', ') || 'no RSA-OAEP'}): the join must use a hash both tokens have (chooseOaepHash).`,
  );
}

/**
 * Sponsor: KTK and PMK under RSA-OAEP with `oaepHash` (and MGF1 of the same hash), the hash chosen
 * for this join from both tokens' capabilities (chooseOaepHash: SHA-256 when both have it, else
 * SHA-1). Nothing is tried and retried: a hash this token lacks is refused before the module is asked.
 */
export async function wrapClusterSecretsForTransport(session: HsmSession, tokenLabel: string, transportPublicKeyDer: Buffer, oaepHash: OaepHash): Promise<{ blob: Buffer; oaepHash: OaepHash }> {
  let facts;
  try {
    facts = publicKeyFacts(transportPublicKeyDer);
  } catch {
    throw new HsmError('invalid-data', 'The transport public key is not a valid SubjectPublicKeyInfo: ask the joining member for its transport key again.');
  }
  if (facts.keyType !== 'rsa' || facts.size < 3072) throw new HsmError('invalid-data', 'The transport public key must be RSA of at least 3072 bits: the joining member must create its transport key with KeySync.');
  requireOaepHash(session, tokenLabel, oaepHash, 'sponsor');
  const { ktk, pmk } = requireClusterSecrets(session, tokenLabel);
  const kcv = kcvOfSecrets(session, { ktk, pmk });
  const { lib, handle } = session;
  const wrappingKey = lib.C_CreateObject(handle, sessionRsaWrappingKeyTemplate(facts.modulus, facts.publicExponent));
  try {
    const wrappedKtk = await lib.C_WrapKeyAsync(handle, oaep(oaepHash), wrappingKey, ktk, Buffer.alloc(1024));
    const wrappedPmk = await lib.C_WrapKeyAsync(handle, oaep(oaepHash), wrappingKey, pmk, Buffer.alloc(1024));
    const blob = encodeTransportBlob({ format: TRANSPORT_FORMAT, oaepHash, transportFingerprint: sha256Hex(transportPublicKeyDer), ...kcv, wrappedKtk, wrappedPmk });
    return { blob, oaepHash };
  } finally {
    session.destroy(wrappingKey);
  }
}

export async function unwrapClusterSecretsFromTransport(session: HsmSession, tokenLabel: string, blobBytes: Buffer): Promise<ClusterSecretsKcv> {
  const blob = decodeTransportBlob(blobBytes);
  requireOaepHash(session, tokenLabel, blob.oaepHash, 'joining member');
  const transportKey = transportPrivateKey(session);
  if (!transportKey) throw new HsmError('key-not-found', `Token "${tokenLabel}" has no transport key: create it (createTransportKey) before the sponsor wraps the secrets.`);
  if (transportInfo(session, transportKey).fingerprint !== blob.transportFingerprint) {
    throw new HsmError('invalid-data', `The cluster secrets were wrapped for another transport key than token "${tokenLabel}"'s: ask the sponsor to wrap them for this member's transport key.`);
  }
  const existing = findClusterSecrets(session);
  const plan = [
    { name: 'KTK', handle: existing.ktk, keyType: 'aes' as const, kcv: blob.ktkKcv, wrapped: blob.wrappedKtk, template: ktkTemplate(true) },
    { name: 'PMK', handle: existing.pmk, keyType: 'generic-secret' as const, kcv: blob.pmkKcv, wrapped: blob.wrappedPmk, template: pmkTemplate(true) },
  ];
  for (const secret of plan) {
    if (secret.handle) {
      // Idempotent: already there from an earlier attempt is fine, another cluster's secret is not.
      if (kcvOf(session, secret.handle, secret.keyType) !== secret.kcv) {
        throw new HsmError('already-exists', `Token "${tokenLabel}" already holds a ${secret.name} of another cluster: it cannot join this one without being re-initialised.`);
      }
      continue;
    }
    const created = await session.lib.C_UnwrapKeyAsync(session.handle, oaep(blob.oaepHash), transportKey, secret.wrapped, secret.template);
    if (kcvOf(session, created, secret.keyType) !== secret.kcv) {
      session.destroy(created);
      throw new HsmError('invalid-data', `The ${secret.name} received by token "${tokenLabel}" does not have the sponsor's check value: the transfer is corrupted; ask the sponsor to wrap the secrets again.`);
    }
  }
  return { ktkKcv: blob.ktkKcv, pmkKcv: blob.pmkKcv };
}
