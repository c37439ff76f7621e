// SubjectPublicKeyInfo DER to and from PKCS#11 public key attributes, through node:crypto's JWK
// support so the encoding is right for RSA and for all three NIST curves; an EC key's SPKI is
// written directly (see ecSpki).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { encodeTlv, octetString, readTlv } from './der';
import type { Curve } from './types';

interface CurveInfo {
  curve: Curve;
  /** CKA_EC_PARAMS: the DER OBJECT IDENTIFIER of the named curve. */
  params: Buffer;
  coordinateBytes: number;
}

const CURVES: readonly CurveInfo[] = [
  { curve: 'P-256', params: Buffer.from('06082a8648ce3d030107', 'hex'), coordinateBytes: 32 },
  { curve: 'P-384', params: Buffer.from('06052b81040022', 'hex'), coordinateBytes: 48 },
  { curve: 'P-521', params: Buffer.from('06052b81040023', 'hex'), coordinateBytes: 66 },
];

export function curveInfo(curve: Curve): CurveInfo {
  const info = CURVES.find((c) => c.curve === curve);
  if (!info) throw new Error(`unsupported curve ${String(curve)}`);
  return info;
}

export function curveFromParams(params: Buffer): CurveInfo | undefined {
  return CURVES.find((c) => c.params.equals(params));
}

function b64url(data: Buffer): string {
  return data.toString('base64url');
}

function stripLeadingZeros(data: Buffer): Buffer {
  let start = 0;
  while (start < data.length - 1 && data[start] === 0) start += 1;
  return data.subarray(start);
}

export function rsaSpki(modulus: Buffer, publicExponent: Buffer): Buffer {
  const key = createPublicKey({ key: { kty: 'RSA', n: b64url(stripLeadingZeros(modulus)), e: b64url(stripLeadingZeros(publicExponent)) }, format: 'jwk' });
  return key.export({ type: 'spki', format: 'der' });
}

/** CKA_EC_POINT is a DER OCTET STRING around the uncompressed point; some modules give the bare point. */
export function bareEcPoint(ecPoint: Buffer, info: CurveInfo): Buffer {
  const bareLength = 1 + 2 * info.coordinateBytes;
  if (ecPoint.length === bareLength && ecPoint[0] === 0x04) return ecPoint;
  const inner = readTlv(ecPoint).content;
  if (inner.length !== bareLength || inner[0] !== 0x04) throw new Error(`EC point is not an uncompressed ${info.curve} point`);
  return inner;
}

/** id-ecPublicKey (1.2.840.10045.2.1), the algorithm of every EC SubjectPublicKeyInfo. */
const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');

/**
 * SubjectPublicKeyInfo DER of a named-curve EC public key: SEQUENCE { SEQUENCE { id-ecPublicKey,
 * curve }, BIT STRING point }, the bytes node:crypto exports for it (spki.test.ts). Written
 * directly because every inventory computes it for every EC key, where a round trip through
 * node:crypto took most of the read's time. Whether the point is on the curve is left to the
 * signature check of the import's proof, which parses it with node:crypto.
 */
export function ecSpki(ecParams: Buffer, ecPoint: Buffer): { der: Buffer; curve: Curve } {
  const info = curveFromParams(ecParams);
  if (!info) throw new Error('EC key on a curve other than P-256, P-384 or P-521');
  const point = bareEcPoint(ecPoint, info);
  const algorithm = encodeTlv(0x30, Buffer.concat([EC_PUBLIC_KEY_OID, info.params]));
  const publicKey = encodeTlv(0x03, Buffer.concat([Buffer.from([0]), point]));
  return { der: encodeTlv(0x30, Buffer.concat([algorithm, publicKey])), curve: info.curve };
}

export type PublicKeyFacts =
  | { keyType: 'rsa'; size: number; modulus: Buffer; publicExponent: Buffer }
  | { keyType: 'ec'; curve: Curve; ecParams: Buffer; ecPoint: Buffer };

/** The PKCS#11 attributes of a public key object, from its SubjectPublicKeyInfo DER. */
export function publicKeyFacts(spkiDer: Buffer): PublicKeyFacts {
  return publicKeyFactsOf(createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }));
}

/** The same, from a public key node:crypto has already parsed. */
export function publicKeyFactsOf(key: KeyObject): PublicKeyFacts {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
    const modulus = Buffer.from(jwk.n, 'base64url');
    return { keyType: 'rsa', size: key.asymmetricKeyDetails?.modulusLength ?? modulus.length * 8, modulus, publicExponent: Buffer.from(jwk.e, 'base64url') };
  }
  if (jwk.kty === 'EC' && jwk.crv && jwk.x && jwk.y) {
    const info = curveInfo(jwk.crv as Curve);
    const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    return { keyType: 'ec', curve: info.curve, ecParams: info.params, ecPoint: octetString(point) };
  }
  throw new Error('public key is neither RSA nor EC on P-256, P-384 or P-521');
}
