// What a token is and can do, read once when it opens: its identity (CK_INFO, CK_TOKEN_INFO), the
// quirks table's entry for it, the mechanism it uses for each wrap format, and the capabilities its
// agent reports (DESIGN 16). Each format maps to this token's own mechanism, in this order:
// 1. the member's configured override (a vendor mechanism, stating the format it implements; or
//    "none", which takes the format away from this member);
// 2. the quirks table (0x210A only where the module is known to implement it as that format);
// 3. the standard mechanism of the format (CKM_AES_KEY_WRAP_KWP 0x210B, CKM_AES_KEY_WRAP_PKCS7
//    0x210C) where the token lists it for wrap and unwrap.
// CKM_AES_KEY_WRAP (0x2109, RFC 3394 without padding) is never used: private keys are not a
// multiple of 8 bytes, and a module that pads them itself makes a format no other one reads.
import * as pkcs11 from 'pkcs11js';
import { wrapFormats } from '../contract/hsm-capabilities';
import type { TokenCapabilities, WrapFormat } from '../contract/hsm-capabilities';
import { curves } from '../contract/keys';
import type { Curve, OaepHash } from '../contract/keys';
import { HsmError } from './errors';
import { quirksOf } from './module-quirks';
import type { ModuleIdentity, ModuleQuirks } from './module-quirks';
import type { Handle } from './session';
import type { WrapMechanismOverrides } from './types';

export interface TokenProfile {
  identity: ModuleIdentity;
  quirks: ModuleQuirks;
  /** The mechanism this token uses for each format it can do. */
  wrapMechanisms: Partial<Record<WrapFormat, number>>;
  capabilities: TokenCapabilities;
}

export const STANDARD_WRAP_MECHANISM: Readonly<Record<WrapFormat, number>> = {
  'aes-kwp': 0x210b,
  'aes-kw-pkcs7': 0x210c,
};

const CURVE_BITS: Record<Curve, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };

const trim = (text: string) => text.replace(/[\s\0]+$/, '');
const version = (v: pkcs11.Version) => `${v.major}.${v.minor}`;
export const hexMechanism = (mechanism: number) => `0x${mechanism.toString(16).toUpperCase()}`;

export function readTokenProfile(lib: pkcs11.PKCS11, slot: Handle, overrides: WrapMechanismOverrides = {}): TokenProfile {
  const info = lib.C_GetInfo();
  const token = lib.C_GetTokenInfo(slot);
  const identity: ModuleIdentity = {
    libraryManufacturer: trim(info.manufacturerID),
    libraryDescription: trim(info.libraryDescription),
    libraryVersion: version(info.libraryVersion),
    cryptokiVersion: version(info.cryptokiVersion),
    tokenManufacturer: trim(token.manufacturerID),
    model: trim(token.model),
    firmwareVersion: version(token.firmwareVersion),
    hardwareVersion: version(token.hardwareVersion),
  };
  const quirks = quirksOf(identity);
  const listed = new Set(lib.C_GetMechanismList(slot));
  const mechanismInfo = (mechanism: number): pkcs11.MechanismInfo | undefined => {
    if (!listed.has(mechanism)) return undefined;
    try {
      return lib.C_GetMechanismInfo(slot, mechanism);
    } catch {
      return undefined;
    }
  };
  const wrapsBothWays = (mechanism: number) => {
    const flags = mechanismInfo(mechanism)?.flags ?? 0;
    return (flags & pkcs11.CKF_WRAP) !== 0 && (flags & pkcs11.CKF_UNWRAP) !== 0;
  };

  const wrapMechanisms: Partial<Record<WrapFormat, number>> = {};
  const claimed = new Set(Object.values(quirks.formatMechanisms));
  for (const format of wrapFormats) {
    const override = overrides[format];
    const known = quirks.formatMechanisms[format];
    const standard = STANDARD_WRAP_MECHANISM[format];
    // The configuration is trusted as stated: a vendor may not list its own mechanism faithfully.
    if (override === 'none') continue;
    if (override !== undefined) wrapMechanisms[format] = override;
    else if (known !== undefined && wrapsBothWays(known)) wrapMechanisms[format] = known;
    else if (!claimed.has(standard) && wrapsBothWays(standard)) wrapMechanisms[format] = standard;
  }

  const oaepHashes: OaepHash[] = listed.has(pkcs11.CKM_RSA_PKCS_OAEP) ? [...(quirks.oaepHashes ?? ['sha256', 'sha1'])] : [];
  const ecInfo = mechanismInfo(pkcs11.CKM_EC_KEY_PAIR_GEN);
  // The key-pair mechanism's size range is the only standard statement of curves: a curve of the
  // list within it is taken as held (modules hold the named NIST curves or none of that size).
  const heldCurves = ecInfo ? curves.filter((curve) => CURVE_BITS[curve] >= ecInfo.minKeySize && CURVE_BITS[curve] <= ecInfo.maxKeySize) : [];
  const rsaInfo = mechanismInfo(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN);

  const capabilities: TokenCapabilities = {
    manufacturer: identity.tokenManufacturer,
    model: identity.model,
    library: { manufacturer: identity.libraryManufacturer, description: identity.libraryDescription, version: identity.libraryVersion, cryptokiVersion: identity.cryptokiVersion },
    firmwareVersion: identity.firmwareVersion,
    hardwareVersion: identity.hardwareVersion,
    wrapFormats: wrapFormats.filter((format) => wrapMechanisms[format] !== undefined),
    wrapMechanisms: Object.fromEntries(Object.entries(wrapMechanisms).map(([format, mechanism]) => [format, hexMechanism(mechanism)])),
    oaepHashes,
    hmac: listed.has(pkcs11.CKM_SHA256_HMAC),
    curves: heldCurves,
    rsaSizes: rsaInfo ? { min: rsaInfo.minKeySize, max: rsaInfo.maxKeySize } : null,
  };
  return { identity, quirks, wrapMechanisms, capabilities };
}

/** This token's mechanism for a format; HsmError 'unsupported' naming what it can do instead. */
export function wrapMechanism(profile: TokenProfile, format: WrapFormat, tokenLabel: string): pkcs11.Mechanism {
  const mechanism = profile.wrapMechanisms[format];
  if (mechanism === undefined) {
    const can = profile.capabilities.wrapFormats.join(', ') || 'none';
    throw new HsmError(
      'unsupported',
      `Token "${tokenLabel}" (${profile.quirks.name === 'standard' ? profile.identity.libraryManufacturer : profile.quirks.name}) has no mechanism for the wrap format ${format} (it has: ${can}): if the HSM offers it under a vendor mechanism, name it in the member's wrapMechanisms.`,
    );
  }
  return { mechanism };
}

/** The format this token prefers, for a package when no format was chosen for it. */
export function preferredWrapFormat(profile: TokenProfile, tokenLabel: string): WrapFormat {
  const [format] = profile.capabilities.wrapFormats;
  if (!format) throw new HsmError('unsupported', `Token "${tokenLabel}" has no AES key wrap mechanism with padding that KeySync can use (aes-kwp, aes-kw-pkcs7): name its vendor mechanism in the member's wrapMechanisms.`);
  return format;
}
