// Everyday key operations used by tests, the demo and availability checks: generate, sign,
// encrypt, decrypt, read a public key, attach a certificate.
import { createHash, randomBytes } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { certificateNames } from './der';
import { HsmError, hasCkr } from './errors';
import { KeyGroupReader, toKeyGroup } from './key-groups';
import type { LocatedKeyGroup } from './key-groups';
import type { HsmSession } from './session';
import { certificateTemplate, keyPairTemplates, secretKeyTemplate } from './templates';
import type { GenerateSpec } from './templates';
import type { KeyGroup, KeySelector } from './types';

/** `bulk`: index the token once for many lookups (inventory, export, import); else one find per lookup. */
export function withReader<T>(session: HsmSession, fn: (reader: KeyGroupReader) => T, bulk = false): T {
  const reader = new KeyGroupReader(session, bulk);
  try {
    return fn(reader);
  } finally {
    reader.dispose();
  }
}

export async function withReaderAsync<T>(session: HsmSession, fn: (reader: KeyGroupReader) => Promise<T>, bulk = false): Promise<T> {
  const reader = new KeyGroupReader(session, bulk);
  try {
    return await fn(reader);
  } finally {
    reader.dispose();
  }
}

export function locate(session: HsmSession, selector: KeySelector, tokenLabel: string): LocatedKeyGroup {
  const [group] = withReader(session, (reader) => reader.find(selector));
  if (!group) throw new HsmError('key-not-found', `Token "${tokenLabel}" has no ${selector.class} key with id ${selector.id || '(empty)'}: check the id, or sync the key to this member first.`);
  return group;
}

const VALID_SIZES: Record<GenerateSpec['keyType'], readonly number[] | undefined> = {
  rsa: [1024, 2048, 3072, 4096],
  ec: undefined,
  aes: [128, 192, 256],
  'generic-secret': [128, 160, 256, 384, 512],
};

export async function generateKey(session: HsmSession, tokenLabel: string, spec: GenerateSpec): Promise<KeyGroup> {
  const sizes = VALID_SIZES[spec.keyType];
  if (spec.size !== undefined && sizes && !sizes.includes(spec.size)) throw new HsmError('unsupported', `A ${spec.keyType} key of ${spec.size} bits is not supported here (sizes: ${sizes.join(', ')}).`);
  const keyClass = spec.keyType === 'rsa' || spec.keyType === 'ec' ? 'private' : 'secret';
  const selector = { class: keyClass, id: spec.id.toString('hex') } as const;
  if (withReader(session, (reader) => reader.find(selector)).length > 0) {
    throw new HsmError('already-exists', `Token "${tokenLabel}" already has a ${keyClass} key with id ${selector.id}: choose another id.`);
  }
  let handle;
  if (keyClass === 'private') {
    const { mechanism, publicKey, privateKey } = keyPairTemplates(spec);
    handle = (await session.lib.C_GenerateKeyPairAsync(session.handle, { mechanism }, publicKey, privateKey)).privateKey;
  } else {
    const { mechanism, template } = secretKeyTemplate(spec);
    handle = await session.lib.C_GenerateKeyAsync(session.handle, { mechanism }, template);
  }
  const generated = withReader(session, (reader) => reader.describe(keyClass, handle));
  if (!generated) throw new HsmError('device-error', `The key generated on token "${tokenLabel}" cannot be read back.`);
  return toKeyGroup(generated);
}

/** Attaches an X.509 certificate to a private key group (same CKA_ID and label), as a CA would after issuance. */
export function importCertificate(session: HsmSession, tokenLabel: string, selector: KeySelector, certificateDer: Buffer): KeyGroup {
  const group = locate(session, selector, tokenLabel);
  if (group.class !== 'private') throw new HsmError('unsupported', 'Certificates belong to private keys, not to secret keys.');
  if (group.hasCertificate) throw new HsmError('already-exists', `Key ${selector.id} on token "${tokenLabel}" already has a certificate.`);
  let names;
  try {
    names = certificateNames(certificateDer);
  } catch {
    throw new HsmError('invalid-data', 'The certificate is not DER-encoded X.509.');
  }
  session.lib.C_CreateObject(session.handle, certificateTemplate(certificateDer, names, group.label, Buffer.from(group.id, 'hex')));
  return toKeyGroup(locate(session, selector, tokenLabel));
}

/** DER of DigestInfo { sha256, OCTET STRING (32 bytes) } up to the hash itself (RFC 8017, 9.2 note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** RSA: PKCS#1 v1.5 with SHA-256. EC: ECDSA over SHA-256 (hashed here; SoftHSM lacks CKM_ECDSA_SHA256), IEEE P1363 r||s. Generic secret: HMAC-SHA256. */
export async function sign(session: HsmSession, tokenLabel: string, selector: KeySelector, data: Buffer): Promise<Buffer> {
  const group = locate(session, selector, tokenLabel);
  const { lib, handle } = session;
  if (group.keyType === 'rsa') {
    try {
      lib.C_SignInit(handle, { mechanism: pkcs11.CKM_SHA256_RSA_PKCS }, group.handle);
    } catch (error) {
      if (!hasCkr(error, pkcs11.CKR_MECHANISM_INVALID)) throw error;
      // Modules without the combined mechanism: hash here, sign the DigestInfo with raw PKCS#1 v1.5.
      lib.C_SignInit(handle, { mechanism: pkcs11.CKM_RSA_PKCS }, group.handle);
      return lib.C_SignAsync(handle, Buffer.concat([SHA256_DIGEST_INFO_PREFIX, createHash('sha256').update(data).digest()]), Buffer.alloc(1024));
    }
    return lib.C_SignAsync(handle, data, Buffer.alloc(1024));
  }
  if (group.keyType === 'ec') {
    lib.C_SignInit(handle, { mechanism: pkcs11.CKM_ECDSA }, group.handle);
    return lib.C_SignAsync(handle, createHash('sha256').update(data).digest(), Buffer.alloc(256));
  }
  if (group.keyType === 'generic-secret') {
    lib.C_SignInit(handle, { mechanism: pkcs11.CKM_SHA256_HMAC }, group.handle);
    return lib.C_SignAsync(handle, data, Buffer.alloc(32));
  }
  throw new HsmError('unsupported', 'Signing with an AES key is not offered: use encrypt/decrypt.');
}

function requireAes(group: LocatedKeyGroup): void {
  if (group.keyType !== 'aes') throw new HsmError('unsupported', 'encrypt and decrypt are offered for AES keys only.');
}

/** AES-CBC with PKCS#7 padding; the random IV is prepended to the ciphertext. */
export async function encrypt(session: HsmSession, tokenLabel: string, selector: KeySelector, data: Buffer): Promise<Buffer> {
  const group = locate(session, selector, tokenLabel);
  requireAes(group);
  const iv = randomBytes(16);
  session.lib.C_EncryptInit(session.handle, { mechanism: pkcs11.CKM_AES_CBC_PAD, parameter: iv }, group.handle);
  const ciphertext = await session.lib.C_EncryptAsync(session.handle, data, Buffer.alloc(data.length + 16));
  return Buffer.concat([iv, ciphertext]);
}

export async function decrypt(session: HsmSession, tokenLabel: string, selector: KeySelector, data: Buffer): Promise<Buffer> {
  const group = locate(session, selector, tokenLabel);
  requireAes(group);
  if (data.length < 32 || data.length % 16 !== 0) throw new HsmError('invalid-data', 'The ciphertext is not an IV followed by whole AES blocks.');
  session.lib.C_DecryptInit(session.handle, { mechanism: pkcs11.CKM_AES_CBC_PAD, parameter: data.subarray(0, 16) }, group.handle);
  return session.lib.C_DecryptAsync(session.handle, data.subarray(16), Buffer.alloc(data.length));
}
