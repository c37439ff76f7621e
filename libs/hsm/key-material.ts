// Whether a key object holds a key at all. A module may create a key in more than one commit:
// SoftHSM 2.6's C_UnwrapKey first stores the object made from the caller's template (class, key
// type, id, label, usages) and only then, in a second transaction, the key material. A process
// killed between the two leaves an object that a find by class and id returns (pkcs11-tool lists
// it) but that no application can use: an incomplete leftover. It is told by what every usable key
// of its type has:
// - EC private key: CKA_EC_PARAMS (the curve), stored with the private value;
// - RSA private key: CKA_MODULUS;
// - secret key: its value is sensitive, and SoftHSM states no CKA_VALUE_LEN on unwrapped keys, so
//   the equivalent is a key with no stated length whose flags were never finished: extractable and
//   yet CKA_NEVER_EXTRACTABLE, which PKCS#11 rules out for any key a module completed (SoftHSM
//   defaults it to true and sets it in the same commit as the value).
// A key with its material but an unknown curve or another fingerprint is a usable key: never this.
import * as pkcs11 from 'pkcs11js';
import { asBool, asUlong } from './session';
import type { Handle, HsmSession } from './session';
import type { KeyType } from './types';

export function lacksKeyMaterial(session: HsmSession, keyType: KeyType, handle: Handle): boolean {
  return lacksKeyMaterialIn(keyType, session.read(handle, KEY_MATERIAL_ATTRIBUTES[keyType]));
}

/** What lacksKeyMaterial reads of a key of that type: a caller that needs these values anyway reads them once, with lacksKeyMaterialIn. */
export const KEY_MATERIAL_ATTRIBUTES: Readonly<Record<KeyType, readonly number[]>> = {
  ec: [pkcs11.CKA_EC_PARAMS],
  rsa: [pkcs11.CKA_MODULUS],
  aes: [pkcs11.CKA_VALUE_LEN, pkcs11.CKA_EXTRACTABLE, pkcs11.CKA_NEVER_EXTRACTABLE],
  'generic-secret': [pkcs11.CKA_VALUE_LEN, pkcs11.CKA_EXTRACTABLE, pkcs11.CKA_NEVER_EXTRACTABLE],
};

/** lacksKeyMaterial, on attributes already read (at least KEY_MATERIAL_ATTRIBUTES of the type). */
export function lacksKeyMaterialIn(keyType: KeyType, attrs: ReadonlyMap<number, Buffer>): boolean {
  if (keyType === 'ec') return isEmpty(attrs.get(pkcs11.CKA_EC_PARAMS));
  if (keyType === 'rsa') return isEmpty(attrs.get(pkcs11.CKA_MODULUS));
  const statedLength = asUlong(attrs.get(pkcs11.CKA_VALUE_LEN)) ?? 0;
  return statedLength === 0 && asBool(attrs.get(pkcs11.CKA_EXTRACTABLE)) === true && asBool(attrs.get(pkcs11.CKA_NEVER_EXTRACTABLE)) === true;
}

/**
 * The same for a public key object: EC without CKA_EC_PARAMS or CKA_EC_POINT, RSA without
 * CKA_MODULUS. C_CreateObject stores those with the object, so only an object another process
 * wrote back half-read (module-quirks.ts) lacks them.
 */
export function publicLacksKeyMaterial(session: HsmSession, keyType: KeyType, handle: Handle): boolean {
  if (keyType === 'rsa') return isEmpty(session.read(handle, [pkcs11.CKA_MODULUS]).get(pkcs11.CKA_MODULUS));
  if (keyType !== 'ec') return false;
  const attrs = session.read(handle, [pkcs11.CKA_EC_PARAMS, pkcs11.CKA_EC_POINT]);
  return isEmpty(attrs.get(pkcs11.CKA_EC_PARAMS)) || isEmpty(attrs.get(pkcs11.CKA_EC_POINT));
}

function isEmpty(value: Buffer | undefined): boolean {
  return value === undefined || value.length === 0;
}
