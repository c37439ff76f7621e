// Every attribute template this layer hands to the module, so key policy is decided here once:
// what is sensitive, what is extractable, which usages each object gets. Each call returns a
// fresh array; nothing here is shared or mutated after the fact.
import * as pkcs11 from 'pkcs11js';
import type { CertificateNames } from './der';
import { curveInfo } from './spki';
import type { PublicKeyFacts } from './spki';
import type { Curve, KeyClass, KeyType, KeyUsage } from './types';

type Template = pkcs11.Template;

/** CKA_ID and CKA_LABEL of the objects this layer keeps for itself; never listed, never packaged. */
export const RESERVED = {
  ktk: { label: 'keysync.ktk', id: Buffer.from('keysync.ktk', 'utf8') },
  pmk: { label: 'keysync.pmk', id: Buffer.from('keysync.pmk', 'utf8') },
  transport: { label: 'keysync.transport', id: Buffer.from('keysync.transport', 'utf8') },
} as const;

export function isReservedId(id: Buffer): boolean {
  return Object.values(RESERVED).some((reserved) => reserved.id.equals(id));
}

export const USAGE_ATTRIBUTE: Record<KeyUsage, number> = {
  sign: pkcs11.CKA_SIGN,
  verify: pkcs11.CKA_VERIFY,
  encrypt: pkcs11.CKA_ENCRYPT,
  decrypt: pkcs11.CKA_DECRYPT,
  wrap: pkcs11.CKA_WRAP,
  unwrap: pkcs11.CKA_UNWRAP,
  derive: pkcs11.CKA_DERIVE,
};

/** Usages that each object class can carry (asking a private key for CKA_VERIFY is an error). */
export const USAGES_OF: Record<KeyClass | 'public', readonly KeyUsage[]> = {
  private: ['sign', 'decrypt', 'unwrap', 'derive'],
  secret: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'derive'],
  public: ['verify', 'encrypt', 'wrap', 'derive'],
};

const PUBLIC_COUNTERPART: Partial<Record<KeyUsage, KeyUsage>> = { sign: 'verify', decrypt: 'encrypt', unwrap: 'wrap', derive: 'derive' };

const DEFAULT_USAGES: Record<KeyType, readonly KeyUsage[]> = {
  rsa: ['sign', 'decrypt'],
  ec: ['sign'],
  aes: ['encrypt', 'decrypt'],
  'generic-secret': ['sign', 'verify'],
};

export const KEY_TYPE_CKK: Record<KeyType, number> = {
  rsa: pkcs11.CKK_RSA,
  ec: pkcs11.CKK_EC,
  aes: pkcs11.CKK_AES,
  'generic-secret': pkcs11.CKK_GENERIC_SECRET,
};

export function keyTypeOfCkk(ckk: number | undefined): KeyType | undefined {
  return (Object.keys(KEY_TYPE_CKK) as KeyType[]).find((type) => KEY_TYPE_CKK[type] === ckk);
}

function usageAttributes(keyClass: KeyClass | 'public', usages: readonly KeyUsage[]): Template {
  return USAGES_OF[keyClass].map((usage) => ({ type: USAGE_ATTRIBUTE[usage], value: usages.includes(usage) }));
}

function identity(label: string, id: Buffer): Template {
  return [
    { type: pkcs11.CKA_LABEL, value: label },
    { type: pkcs11.CKA_ID, value: Buffer.from(id) },
  ];
}

/** Private and secret keys: on the token, private, sensitive. Extractable only when it must travel. */
function protectedKey(extractable: boolean): Template {
  return [
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: true },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: extractable },
  ];
}

// ---- cluster transfer secrets and the transport key ----

/** KTK: AES-256, wrap/unwrap only (never encrypt/decrypt, which would let wrapped keys be decrypted), extractable only to be transported to a joining member. */
export function ktkTemplate(forUnwrap = false): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_AES },
    ...(forUnwrap ? [] : [{ type: pkcs11.CKA_VALUE_LEN, value: 32 }]),
    ...protectedKey(true),
    ...identity(RESERVED.ktk.label, RESERVED.ktk.id),
    ...usageAttributes('secret', ['wrap', 'unwrap']),
  ];
}

/** PMK: a 256-bit generic secret for CKM_SHA256_HMAC, sign/verify only. */
export function pmkTemplate(forUnwrap = false): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_GENERIC_SECRET },
    ...(forUnwrap ? [] : [{ type: pkcs11.CKA_VALUE_LEN, value: 32 }]),
    ...protectedKey(true),
    ...identity(RESERVED.pmk.label, RESERVED.pmk.id),
    ...usageAttributes('secret', ['sign', 'verify']),
  ];
}

export function transportKeyTemplates(): { publicKey: Template; privateKey: Template } {
  return {
    publicKey: [
      { type: pkcs11.CKA_TOKEN, value: true },
      { type: pkcs11.CKA_PRIVATE, value: false },
      { type: pkcs11.CKA_MODULUS_BITS, value: 3072 },
      { type: pkcs11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ...identity(RESERVED.transport.label, RESERVED.transport.id),
      ...usageAttributes('public', ['wrap', 'encrypt']),
    ],
    // The private half never leaves the joining HSM.
    privateKey: [...protectedKey(false), ...identity(RESERVED.transport.label, RESERVED.transport.id), ...usageAttributes('private', ['unwrap', 'decrypt'])],
  };
}

/** The joining member's transport public key on the sponsor: a session object, gone with the session. */
export function sessionRsaWrappingKeyTemplate(modulus: Buffer, publicExponent: Buffer): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_RSA },
    { type: pkcs11.CKA_TOKEN, value: false },
    { type: pkcs11.CKA_WRAP, value: true },
    { type: pkcs11.CKA_MODULUS, value: modulus },
    { type: pkcs11.CKA_PUBLIC_EXPONENT, value: publicExponent },
  ];
}

// ---- session helpers for check values ----

/** A throw-away session AES key used to copy a secret key inside the HSM, e.g. to compute its check value. */
export function sessionWrappingKeyTemplate(): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_AES },
    { type: pkcs11.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11.CKA_TOKEN, value: false },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: false },
    { type: pkcs11.CKA_WRAP, value: true },
    { type: pkcs11.CKA_UNWRAP, value: true },
  ];
}

/** A session copy of a secret key that may only compute its own check value: encrypt a zero block (AES) or sign the HMAC label (generic secret). */
export function sessionCheckValueCopyTemplate(keyType: 'aes' | 'generic-secret', usage: 'encrypt' | 'sign'): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: KEY_TYPE_CKK[keyType] },
    { type: pkcs11.CKA_TOKEN, value: false },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: false },
    { type: USAGE_ATTRIBUTE[usage], value: true },
  ];
}

// ---- application keys ----

export interface GenerateSpec {
  keyType: KeyType;
  size?: number;
  curve?: Curve;
  label: string;
  id: Buffer;
  extractable: boolean;
  usages?: readonly KeyUsage[];
}

export function defaultUsages(keyType: KeyType): KeyUsage[] {
  return [...DEFAULT_USAGES[keyType]];
}

export function publicUsagesFor(privateUsages: readonly KeyUsage[]): KeyUsage[] {
  return privateUsages.map((usage) => PUBLIC_COUNTERPART[usage]).filter((usage): usage is KeyUsage => usage !== undefined);
}

export function keyPairTemplates(spec: GenerateSpec): { mechanism: number; publicKey: Template; privateKey: Template } {
  const usages = spec.usages ?? DEFAULT_USAGES[spec.keyType];
  const publicCommon: Template = [
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: false },
    ...identity(spec.label, spec.id),
    ...usageAttributes('public', publicUsagesFor(usages)),
  ];
  const privateKey: Template = [...protectedKey(spec.extractable), ...identity(spec.label, spec.id), ...usageAttributes('private', usages)];
  if (spec.keyType === 'rsa') {
    return {
      mechanism: pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN,
      publicKey: [...publicCommon, { type: pkcs11.CKA_MODULUS_BITS, value: spec.size ?? 2048 }, { type: pkcs11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) }],
      privateKey,
    };
  }
  return {
    mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN,
    publicKey: [...publicCommon, { type: pkcs11.CKA_EC_PARAMS, value: Buffer.from(curveInfo(spec.curve ?? 'P-256').params) }],
    privateKey,
  };
}

export function secretKeyTemplate(spec: GenerateSpec): { mechanism: number; template: Template } {
  const bits = spec.size ?? 256;
  return {
    mechanism: spec.keyType === 'aes' ? pkcs11.CKM_AES_KEY_GEN : pkcs11.CKM_GENERIC_SECRET_KEY_GEN,
    template: [
      { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY },
      { type: pkcs11.CKA_KEY_TYPE, value: KEY_TYPE_CKK[spec.keyType] },
      { type: pkcs11.CKA_VALUE_LEN, value: bits / 8 },
      ...protectedKey(spec.extractable),
      ...identity(spec.label, spec.id),
      ...usageAttributes('secret', spec.usages ?? DEFAULT_USAGES[spec.keyType]),
    ],
  };
}

/**
 * A key arriving in a package: it keeps its usages and stays extractable, so it can be synced
 * onwards. `moduleAttributes`: what the module's quirks require beside (module-quirks.ts).
 */
export function unwrappedKeyTemplate(entry: { class: KeyClass; keyType: KeyType; label: string; id: Buffer; usages: readonly KeyUsage[] }, moduleAttributes: Template = []): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: entry.class === 'private' ? pkcs11.CKO_PRIVATE_KEY : pkcs11.CKO_SECRET_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: KEY_TYPE_CKK[entry.keyType] },
    ...protectedKey(true),
    ...identity(entry.label, entry.id),
    ...usageAttributes(entry.class, entry.usages),
    ...moduleAttributes,
  ];
}

/** A session copy of an EC private key that may only sign: to prove a key that may not sign itself. */
export function sessionSigningCopyTemplate(moduleAttributes: Template): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: pkcs11.CKK_EC },
    { type: pkcs11.CKA_TOKEN, value: false },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: false },
    { type: pkcs11.CKA_SIGN, value: true },
    ...moduleAttributes,
  ];
}

export function publicKeyObjectTemplate(facts: PublicKeyFacts, label: string, id: Buffer, usages: readonly KeyUsage[]): Template {
  const keyAttributes: Template =
    facts.keyType === 'rsa'
      ? [
          { type: pkcs11.CKA_MODULUS, value: facts.modulus },
          { type: pkcs11.CKA_PUBLIC_EXPONENT, value: facts.publicExponent },
        ]
      : [
          { type: pkcs11.CKA_EC_PARAMS, value: facts.ecParams },
          { type: pkcs11.CKA_EC_POINT, value: facts.ecPoint },
        ];
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: KEY_TYPE_CKK[facts.keyType] },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: false },
    ...identity(label, id),
    ...usageAttributes('public', usages),
    ...keyAttributes,
  ];
}

export function certificateTemplate(der: Buffer, names: CertificateNames, label: string, id: Buffer): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_CERTIFICATE },
    { type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: false },
    ...identity(label, id),
    { type: pkcs11.CKA_SUBJECT, value: names.subject },
    { type: pkcs11.CKA_ISSUER, value: names.issuer },
    { type: pkcs11.CKA_SERIAL_NUMBER, value: names.serialNumber },
    { type: pkcs11.CKA_VALUE, value: der },
  ];
}

export function findTemplate(objectClass: number, id?: Buffer, extra: Template = []): Template {
  return [
    { type: pkcs11.CKA_CLASS, value: objectClass },
    { type: pkcs11.CKA_TOKEN, value: true },
    ...(id ? [{ type: pkcs11.CKA_ID, value: Buffer.from(id) }] : []),
    ...extra,
  ];
}

export const CKO_OF_CLASS: Record<KeyClass, number> = { private: pkcs11.CKO_PRIVATE_KEY, secret: pkcs11.CKO_SECRET_KEY };
