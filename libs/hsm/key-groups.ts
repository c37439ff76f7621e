// Reads key groups: a private or secret key with the public key and certificate objects that
// share its CKA_ID. Only public facts are read (never CKA_VALUE of a key).
import * as pkcs11 from 'pkcs11js';
import { CheckValueCalculator } from './check-values';
import { asBool, asText, asUlong } from './session';
import type { Handle, HsmSession } from './session';
import { curveFromParams, ecSpki, rsaSpki, sha256Hex } from './spki';
import { CKO_OF_CLASS, findTemplate, isReservedId, keyTypeOfCkk, USAGE_ATTRIBUTE, USAGES_OF } from './templates';
import type { Curve, KeyClass, KeyGroup, KeySelector, KeyUsage } from './types';

/** A key group with the handles of its objects, for use inside one session only. */
export interface LocatedKeyGroup extends KeyGroup {
  handle: Handle;
  publicHandle?: Handle;
  certificateHandle?: Handle;
  publicKeyDer?: Buffer;
}

const KEY_ATTRIBUTES = [pkcs11.CKA_ID, pkcs11.CKA_LABEL, pkcs11.CKA_KEY_TYPE, pkcs11.CKA_EXTRACTABLE];

export class KeyGroupReader {
  private readonly checkValues: CheckValueCalculator;
  private readonly publicByHex = new Map<string, Handle[]>();
  private readonly certificateByHex = new Map<string, Handle>();
  private indexed = false;

  constructor(private readonly session: HsmSession) {
    this.checkValues = new CheckValueCalculator(session);
  }

  /** Every key group of the token, reserved objects (cluster secrets, transport key) left out. */
  all(): LocatedKeyGroup[] {
    this.index();
    const groups: LocatedKeyGroup[] = [];
    for (const keyClass of ['private', 'secret'] as const) {
      for (const handle of this.session.find(findTemplate(CKO_OF_CLASS[keyClass]))) {
        const group = this.read(keyClass, handle);
        if (group) groups.push(group);
      }
    }
    return groups.sort((a, b) => a.class.localeCompare(b.class) || a.id.localeCompare(b.id) || a.label.localeCompare(b.label));
  }

  /** The key objects of that class and id (PKCS#11 does not make ids unique, so possibly several). */
  find(selector: KeySelector): LocatedKeyGroup[] {
    const id = Buffer.from(selector.id, 'hex');
    return this.session
      .find(findTemplate(CKO_OF_CLASS[selector.class], id))
      .map((handle) => this.read(selector.class, handle))
      .filter((group): group is LocatedKeyGroup => group !== undefined);
  }

  /** Public key objects with that id: from the index during a full scan, else looked up now (import creates objects as it goes). */
  publicHandles(idHex: string): Handle[] {
    if (this.indexed) return this.publicByHex.get(idHex) ?? [];
    return this.session.find(findTemplate(pkcs11.CKO_PUBLIC_KEY, Buffer.from(idHex, 'hex')));
  }

  certificateHandle(idHex: string): Handle | undefined {
    if (this.indexed) return this.certificateByHex.get(idHex);
    return this.session.find(findTemplate(pkcs11.CKO_CERTIFICATE, Buffer.from(idHex, 'hex'), [{ type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 }]))[0];
  }

  dispose(): void {
    this.checkValues.dispose();
  }

  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const handle of this.session.find(findTemplate(pkcs11.CKO_PUBLIC_KEY))) {
      const idHex = (this.session.read(handle, [pkcs11.CKA_ID]).get(pkcs11.CKA_ID) ?? Buffer.alloc(0)).toString('hex');
      this.publicByHex.set(idHex, [...(this.publicByHex.get(idHex) ?? []), handle]);
    }
    for (const handle of this.session.find(findTemplate(pkcs11.CKO_CERTIFICATE, undefined, [{ type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 }]))) {
      const idHex = (this.session.read(handle, [pkcs11.CKA_ID]).get(pkcs11.CKA_ID) ?? Buffer.alloc(0)).toString('hex');
      if (!this.certificateByHex.has(idHex)) this.certificateByHex.set(idHex, handle);
    }
  }

  /** The group of one key object, e.g. one just unwrapped; undefined for reserved or unsupported keys. */
  describe(keyClass: KeyClass, handle: Handle): LocatedKeyGroup | undefined {
    return this.read(keyClass, handle);
  }

  private read(keyClass: KeyClass, handle: Handle): LocatedKeyGroup | undefined {
    const usageTypes = USAGES_OF[keyClass].map((usage) => USAGE_ATTRIBUTE[usage]);
    const attrs = this.session.read(handle, [...KEY_ATTRIBUTES, ...usageTypes]);
    const id = attrs.get(pkcs11.CKA_ID) ?? Buffer.alloc(0);
    if (isReservedId(id)) return undefined;
    const keyType = keyTypeOfCkk(asUlong(attrs.get(pkcs11.CKA_KEY_TYPE)));
    if (!keyType || (keyClass === 'private') !== (keyType === 'rsa' || keyType === 'ec')) return undefined;
    const idHex = id.toString('hex');
    const usages: KeyUsage[] = USAGES_OF[keyClass].filter((usage) => asBool(attrs.get(USAGE_ATTRIBUTE[usage])) === true);
    const exportable = asBool(attrs.get(pkcs11.CKA_EXTRACTABLE)) === true;
    const base = { class: keyClass, keyType, label: asText(attrs.get(pkcs11.CKA_LABEL)), id: idHex, usages, exportable, handle };
    const certificateHandle = keyClass === 'private' ? this.certificateHandle(idHex) : undefined;
    const withCertificate = { hasCertificate: certificateHandle !== undefined, ...(certificateHandle ? { certificateHandle } : {}) };

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
      const rsa = this.session.read(handle, [pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT]);
      const modulus = rsa.get(pkcs11.CKA_MODULUS);
      const exponent = rsa.get(pkcs11.CKA_PUBLIC_EXPONENT);
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
    const ecParams = this.session.read(handle, [pkcs11.CKA_EC_PARAMS]).get(pkcs11.CKA_EC_PARAMS);
    const curve: Curve | undefined = ecParams ? curveFromParams(ecParams)?.curve : undefined;
    if (!ecParams || !curve) return undefined;
    for (const publicHandle of publics) {
      const der = this.publicKeyDer(publicHandle);
      if (der && ecParams.equals(this.session.read(publicHandle, [pkcs11.CKA_EC_PARAMS]).get(pkcs11.CKA_EC_PARAMS) ?? Buffer.alloc(0))) {
        return { ...base, curve, fingerprint: sha256Hex(der), publicKeyDer: der, hasPublicKey: true, publicHandle, ...withCertificate };
      }
    }
    return { ...base, curve, fingerprint: '', hasPublicKey: false, ...withCertificate };
  }

  /** SPKI DER of a public key object, or undefined when it is neither RSA nor EC on a known curve. */
  publicKeyDer(publicHandle: Handle): Buffer | undefined {
    const attrs = this.session.read(publicHandle, [pkcs11.CKA_KEY_TYPE, pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT, pkcs11.CKA_EC_PARAMS, pkcs11.CKA_EC_POINT]);
    const modulus = attrs.get(pkcs11.CKA_MODULUS);
    const exponent = attrs.get(pkcs11.CKA_PUBLIC_EXPONENT);
    if (modulus && exponent) return rsaSpki(modulus, exponent);
    const params = attrs.get(pkcs11.CKA_EC_PARAMS);
    const point = attrs.get(pkcs11.CKA_EC_POINT);
    if (params && point && curveFromParams(params)) return ecSpki(params, point).der;
    return undefined;
  }

  private samePublicKey(publicHandle: Handle, der: Buffer): boolean {
    return this.publicKeyDer(publicHandle)?.equals(der) ?? false;
  }
}

function bitLength(unsignedBigEndian: Buffer): number {
  let start = 0;
  while (start < unsignedBigEndian.length && unsignedBigEndian[start] === 0) start += 1;
  const first = unsignedBigEndian[start];
  if (first === undefined) return 0;
  return (unsignedBigEndian.length - start - 1) * 8 + (32 - Math.clz32(first));
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
  return group;
}
