// Reads key groups: a private or secret key with the public key and certificate objects that
// share its CKA_ID. Only public facts are read (never CKA_VALUE of a key).
import * as pkcs11 from 'pkcs11js';
import { groupCertificateFacts } from './certificate-facts';
import { CheckValueCalculator } from './check-values';
import { KEY_MATERIAL_ATTRIBUTES, lacksKeyMaterial, lacksKeyMaterialIn, publicLacksKeyMaterial } from './key-material';
import { asBool, asText, asUlong } from './session';
import type { Handle, HsmSession } from './session';
import { sha256Hex } from '../digest';
import { curveFromParams, ecSpki, rsaSpki } from './spki';
import { CKO_OF_CLASS, findTemplate, isReservedId, keyTypeOfCkk, USAGE_ATTRIBUTE, USAGES_OF } from './templates';
import type { Curve, KeyClass, KeyGroup, KeySelector, KeyType, KeyUsage } from './types';

/** A key group with the handles of its objects, for use inside one session only. */
export interface LocatedKeyGroup extends KeyGroup {
  handle: Handle;
  publicHandle?: Handle;
  certificateHandle?: Handle;
  publicKeyDer?: Buffer;
}

const KEY_ATTRIBUTES = [pkcs11.CKA_ID, pkcs11.CKA_LABEL, pkcs11.CKA_KEY_TYPE, pkcs11.CKA_EXTRACTABLE];
/** What a private key object of each type gives of its public key, with what key-material.ts asks of it. */
const ASYMMETRIC_ATTRIBUTES = {
  rsa: [...KEY_MATERIAL_ATTRIBUTES.rsa, pkcs11.CKA_PUBLIC_EXPONENT],
  ec: KEY_MATERIAL_ATTRIBUTES.ec,
} as const;
/** What a public key object of each type gives of its key. */
const PUBLIC_KEY_ATTRIBUTES = {
  rsa: [pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT],
  ec: [pkcs11.CKA_EC_PARAMS, pkcs11.CKA_EC_POINT],
} as const;
const X509 = [{ type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 }];

/** The object classes a key group is made of. */
const GROUP_CLASSES = [pkcs11.CKO_PRIVATE_KEY, pkcs11.CKO_SECRET_KEY, pkcs11.CKO_PUBLIC_KEY, pkcs11.CKO_CERTIFICATE];

/**
 * Reads key groups in one session. SoftHSM's file backend re-checks every object file on each
 * C_FindObjects (about 50 ms with a few hundred objects, measured), so bulk work (inventory,
 * export, import) indexes the token once, by class and CKA_ID, and keeps the index up to date with
 * what it creates; a single-key call does one targeted find instead.
 */
export class KeyGroupReader {
  private readonly checkValues: CheckValueCalculator;
  private index: Map<number, Map<string, Handle[]>> | undefined;
  /** The type of the last private key read (read(): its public attributes come in the same call when it is guessed right). */
  private lastPrivateKeyType: 'rsa' | 'ec' = 'ec';

  constructor(
    private readonly session: HsmSession,
    private readonly bulk = false,
  ) {
    this.checkValues = new CheckValueCalculator(session);
  }

  /** Every key group of the token, reserved objects (cluster secrets, transport key) left out. */
  all(): LocatedKeyGroup[] {
    const index = this.buildIndex();
    const groups: LocatedKeyGroup[] = [];
    for (const keyClass of ['private', 'secret'] as const) {
      for (const handles of index.get(CKO_OF_CLASS[keyClass])?.values() ?? []) {
        for (const handle of handles) {
          const group = this.read(keyClass, handle);
          if (group) groups.push(group);
        }
      }
    }
    return groups.sort(byClassIdLabel);
  }

  /** The key groups of these CKA_IDs (hex), in the order all() lists them; no other group is read. */
  ofIds(idsHex: readonly string[]): LocatedKeyGroup[] {
    const ids = [...new Set(idsHex.map((id) => id.toLowerCase()))];
    return ids.flatMap((id) => (['private', 'secret'] as const).flatMap((keyClass) => this.find({ class: keyClass, id }))).sort(byClassIdLabel);
  }

  /** The key objects of that class and id (PKCS#11 does not make ids unique, so possibly several). */
  find(selector: KeySelector): LocatedKeyGroup[] {
    return this.handles(CKO_OF_CLASS[selector.class], selector.id)
      .map((handle) => this.read(selector.class, handle))
      .filter((group): group is LocatedKeyGroup => group !== undefined);
  }

  /**
   * The key objects of that class and id left without key material by an interrupted create
   * (key-material.ts). find() and all() leave them out: they are not keys, and the inventory would
   * otherwise show a key that no application can use (an RSA one even with the fingerprint of an
   * empty modulus). Not reported either: the next import of that key removes them, under the
   * member's write lock, before it unwraps the key again.
   */
  incomplete(selector: KeySelector): Handle[] {
    return this.handles(CKO_OF_CLASS[selector.class], selector.id).filter((handle) => {
      const attrs = this.session.read(handle, [pkcs11.CKA_ID, pkcs11.CKA_KEY_TYPE]);
      const keyType = this.keyTypeOf(selector.class, attrs);
      // Asked twice: a module whose view can be briefly wrong (module-quirks.ts) must not have a usable key destroyed for one bad read.
      return keyType !== undefined && !isReservedId(attrs.get(pkcs11.CKA_ID) ?? Buffer.alloc(0)) && lacksKeyMaterial(this.session, keyType, handle) && lacksKeyMaterial(this.session, keyType, handle);
    });
  }

  /** Public key objects of that id without their key (key-material.ts), asked twice like incomplete(). */
  incompletePublics(idHex: string): Handle[] {
    return this.handles(pkcs11.CKO_PUBLIC_KEY, idHex).filter((handle) => {
      const keyType = keyTypeOfCkk(asUlong(this.session.read(handle, [pkcs11.CKA_KEY_TYPE]).get(pkcs11.CKA_KEY_TYPE)));
      return (keyType === 'rsa' || keyType === 'ec') && publicLacksKeyMaterial(this.session, keyType, handle) && publicLacksKeyMaterial(this.session, keyType, handle);
    });
  }

  /** Every key object of that class and id, complete or not. */
  keyObjects(selector: KeySelector): Handle[] {
    return this.handles(CKO_OF_CLASS[selector.class], selector.id);
  }

  publicHandles(idHex: string): Handle[] {
    return this.handles(pkcs11.CKO_PUBLIC_KEY, idHex);
  }

  certificateHandle(idHex: string): Handle | undefined {
    return this.certificateHandles(idHex)[0];
  }

  certificateHandles(idHex: string): Handle[] {
    return this.handles(pkcs11.CKO_CERTIFICATE, idHex);
  }

  /** Tells the index about an object this session just created. */
  created(objectClass: number, idHex: string, handle: Handle): void {
    const byId = this.index?.get(objectClass);
    if (byId) byId.set(idHex, [...(byId.get(idHex) ?? []), handle]);
  }

  /** Tells the index about an object this session just destroyed. */
  destroyed(objectClass: number, idHex: string, handle: Handle): void {
    const byId = this.index?.get(objectClass);
    if (byId) byId.set(idHex, (byId.get(idHex) ?? []).filter((candidate) => !candidate.equals(handle)));
  }

  dispose(): void {
    this.checkValues.dispose();
  }

  private handles(objectClass: number, idHex: string): Handle[] {
    if (this.bulk) return [...(this.buildIndex().get(objectClass)?.get(idHex) ?? [])];
    return this.session.find(findTemplate(objectClass, Buffer.from(idHex, 'hex'), objectClass === pkcs11.CKO_CERTIFICATE ? X509 : []));
  }

  /** One listing of the token's objects, not one per class: each find costs a re-check of every object file on SoftHSM. */
  private buildIndex(): Map<number, Map<string, Handle[]>> {
    if (this.index) return this.index;
    const index = new Map<number, Map<string, Handle[]>>(GROUP_CLASSES.map((objectClass) => [objectClass, new Map<string, Handle[]>()]));
    for (const handle of this.session.find([{ type: pkcs11.CKA_TOKEN, value: true }])) {
      const attrs = this.session.read(handle, [pkcs11.CKA_CLASS, pkcs11.CKA_ID]);
      const objectClass = asUlong(attrs.get(pkcs11.CKA_CLASS));
      const byId = objectClass === undefined ? undefined : index.get(objectClass);
      if (!byId || (objectClass === pkcs11.CKO_CERTIFICATE && !this.isX509(handle))) continue;
      const idHex = (attrs.get(pkcs11.CKA_ID) ?? Buffer.alloc(0)).toString('hex');
      byId.set(idHex, [...(byId.get(idHex) ?? []), handle]);
    }
    this.index = index;
    return index;
  }

  private isX509(certificate: Handle): boolean {
    return asUlong(this.session.read(certificate, [pkcs11.CKA_CERTIFICATE_TYPE]).get(pkcs11.CKA_CERTIFICATE_TYPE)) === pkcs11.CKC_X_509;
  }

  /** The group of one key object, e.g. one just unwrapped; undefined for reserved or unsupported keys. */
  describe(keyClass: KeyClass, handle: Handle): LocatedKeyGroup | undefined {
    return this.read(keyClass, handle);
  }

  private read(keyClass: KeyClass, handle: Handle): LocatedKeyGroup | undefined {
    const common = [...KEY_ATTRIBUTES, ...USAGES_OF[keyClass].map((usage) => USAGE_ATTRIBUTE[usage])];
    // A private key's own public attributes tell an incomplete leftover (key-material.ts) and give its
    // fingerprint. They are read in the same call as the rest for the type this reader last saw (keys
    // of one type tend to come together); a key of the other type lacks them, and is read in two.
    const guessed = this.lastPrivateKeyType;
    const withGuessed = keyClass === 'private' ? this.session.readAll(handle, [...common, ...ASYMMETRIC_ATTRIBUTES[guessed]]) : undefined;
    const attrs = withGuessed ?? this.session.read(handle, common);
    const id = attrs.get(pkcs11.CKA_ID) ?? Buffer.alloc(0);
    if (isReservedId(id)) return undefined;
    const keyType = this.keyTypeOf(keyClass, attrs);
    if (!keyType) return undefined;
    if (keyType === 'rsa' || keyType === 'ec') this.lastPrivateKeyType = keyType;
    const asymmetric = keyType === 'rsa' || keyType === 'ec' ? (withGuessed && keyType === guessed ? withGuessed : this.session.read(handle, ASYMMETRIC_ATTRIBUTES[keyType])) : undefined;
    if (asymmetric ? lacksKeyMaterialIn(keyType, asymmetric) : lacksKeyMaterial(this.session, keyType, handle)) return undefined;
    const idHex = id.toString('hex');
    const usages: KeyUsage[] = USAGES_OF[keyClass].filter((usage) => asBool(attrs.get(USAGE_ATTRIBUTE[usage])) === true);
    const exportable = asBool(attrs.get(pkcs11.CKA_EXTRACTABLE)) === true;
    const base = { class: keyClass, keyType, label: asText(attrs.get(pkcs11.CKA_LABEL)), id: idHex, usages, exportable, handle };
    const certificateHandles = keyClass === 'private' ? this.certificateHandles(idHex) : [];
    // The newest certificate is the group's (an export packages it); the first when none is readable.
    const certificates = groupCertificateFacts(this.session, certificateHandles);
    const certificateHandle = certificates.certificateHandle ?? certificateHandles[0];
    const withCertificate = {
      hasCertificate: certificateHandle !== undefined,
      ...(certificateHandle ? { certificateHandle } : {}),
      ...(certificates.certificate ? { certificate: certificates.certificate } : {}),
      ...(certificates.otherCertificates ? { otherCertificates: certificates.otherCertificates } : {}),
    };

    if (keyType === 'aes' || keyType === 'generic-secret') {
      const secret = this.session.read(handle, [pkcs11.CKA_CHECK_VALUE, pkcs11.CKA_VALUE_LEN]);
      const checkValue = secret.get(pkcs11.CKA_CHECK_VALUE);
      const facts = this.checkValues.facts(handle, {
        keyType,
        ...(checkValue ? { checkValue } : {}),
        valueLen: asUlong(secret.get(pkcs11.CKA_VALUE_LEN)) ?? 0,
        extractable: exportable,
        canEncrypt: usages.includes('encrypt'),
      });
      return { ...base, ...(facts.sizeBits ? { size: facts.sizeBits } : {}), fingerprint: facts.kcv ?? '', hasPublicKey: false, hasCertificate: false };
    }

    const publics = this.publicHandles(idHex);
    if (keyType === 'rsa') {
      const modulus = asymmetric?.get(pkcs11.CKA_MODULUS);
      const exponent = asymmetric?.get(pkcs11.CKA_PUBLIC_EXPONENT);
      const der = modulus && exponent ? rsaSpki(modulus, exponent) : undefined;
      const publicHandle = der ? publics.find((candidate) => this.samePublicKey(candidate, der)) : undefined;
      return {
        ...base,
        ...(modulus ? { size: bitLength(modulus) } : {}),
        fingerprint: der ? sha256Hex(der) : '',
        ...(der ? { publicKeyDer: der } : {}),
        hasPublicKey: publicHandle !== undefined,
        ...(publicHandle ? { publicHandle } : {}),
        ...withCertificate,
      };
    }

    // EC: the private object has the curve; the point lives on the public object with the same id.
    const ecParams = asymmetric?.get(pkcs11.CKA_EC_PARAMS);
    const curve: Curve | undefined = ecParams ? curveFromParams(ecParams)?.curve : undefined;
    if (!ecParams || !curve) return undefined;
    for (const publicHandle of publics) {
      const publicKey = this.publicKey(publicHandle, 'ec');
      if (publicKey?.ecParams?.equals(ecParams)) {
        return { ...base, curve, fingerprint: sha256Hex(publicKey.der), publicKeyDer: publicKey.der, hasPublicKey: true, publicHandle, ...withCertificate };
      }
    }
    return { ...base, curve, fingerprint: '', hasPublicKey: false, ...withCertificate };
  }

  /** The key type of a key object of that class, undefined when unsupported or not a type of that class. */
  private keyTypeOf(keyClass: KeyClass, attrs: Map<number, Buffer>): KeyType | undefined {
    const keyType = keyTypeOfCkk(asUlong(attrs.get(pkcs11.CKA_KEY_TYPE)));
    return keyType && (keyClass === 'private') === (keyType === 'rsa' || keyType === 'ec') ? keyType : undefined;
  }

  /** SPKI DER of a public key object, or undefined when it is neither RSA nor EC on a known curve; `expected`: the type it most likely has. */
  publicKeyDer(publicHandle: Handle, expected?: 'rsa' | 'ec'): Buffer | undefined {
    return this.publicKey(publicHandle, expected)?.der;
  }

  /**
   * The caller's expected type's attributes are read with the key type in one call; another
   * type's are read after (a module fails a read that asks for an attribute the object lacks, and
   * session.read then asks one by one).
   */
  private publicKey(publicHandle: Handle, expected?: 'rsa' | 'ec'): { der: Buffer; ecParams?: Buffer } | undefined {
    const first = this.session.read(publicHandle, [pkcs11.CKA_KEY_TYPE, ...(expected ? PUBLIC_KEY_ATTRIBUTES[expected] : [])]);
    const keyType = keyTypeOfCkk(asUlong(first.get(pkcs11.CKA_KEY_TYPE)));
    if (keyType !== 'rsa' && keyType !== 'ec') return undefined;
    const attrs = keyType === expected ? first : this.session.read(publicHandle, PUBLIC_KEY_ATTRIBUTES[keyType]);
    if (keyType === 'rsa') {
      const modulus = attrs.get(pkcs11.CKA_MODULUS);
      const exponent = attrs.get(pkcs11.CKA_PUBLIC_EXPONENT);
      return modulus && exponent ? { der: rsaSpki(modulus, exponent) } : undefined;
    }
    const ecParams = attrs.get(pkcs11.CKA_EC_PARAMS);
    const point = attrs.get(pkcs11.CKA_EC_POINT);
    return ecParams && point && curveFromParams(ecParams) ? { der: ecSpki(ecParams, point).der, ecParams } : undefined;
  }

  private samePublicKey(publicHandle: Handle, der: Buffer): boolean {
    return this.publicKeyDer(publicHandle, 'rsa')?.equals(der) ?? false;
  }
}

function byClassIdLabel(a: KeyGroup, b: KeyGroup): number {
  return a.class.localeCompare(b.class) || a.id.localeCompare(b.id) || a.label.localeCompare(b.label);
}

function bitLength(unsignedBigEndian: Buffer): number {
  let start = 0;
  while (start < unsignedBigEndian.length && unsignedBigEndian[start] === 0) start += 1;
  const first = unsignedBigEndian[start];
  if (first === undefined) return 0;
  return (unsignedBigEndian.length - start - 1) * 8 + (32 - Math.clz32(first));
}

/** Groups by class and CKA_ID (`private:a1`), in the order given: the copies PKCS#11 lets share an id, together. */
export function byClassAndId(groups: readonly LocatedKeyGroup[]): Map<string, LocatedKeyGroup[]> {
  const byKey = new Map<string, LocatedKeyGroup[]>();
  for (const group of groups) {
    const key = `${group.class}:${group.id}`;
    byKey.set(key, [...(byKey.get(key) ?? []), group]);
  }
  return byKey;
}

export function toKeyGroup(located: LocatedKeyGroup): KeyGroup {
  const group: KeyGroup = {
    class: located.class,
    keyType: located.keyType,
    label: located.label,
    id: located.id,
    fingerprint: located.fingerprint,
    usages: [...located.usages],
    hasPublicKey: located.hasPublicKey,
    hasCertificate: located.hasCertificate,
    exportable: located.exportable,
  };
  if (located.size !== undefined) group.size = located.size;
  if (located.curve !== undefined) group.curve = located.curve;
  if (located.certificate !== undefined) group.certificate = { ...located.certificate };
  if (located.otherCertificates !== undefined) group.otherCertificates = located.otherCertificates;
  return group;
}
