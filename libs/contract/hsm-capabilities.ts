// What a member's token can do (DESIGN 16): the wrap formats it can unwrap and produce, the OAEP
// hashes of the join, HMAC, the curves and RSA sizes it can hold; and the pure choices made from
// them before anything is exported or wrapped. Formats, not mechanism numbers: the same number
// means different formats on different modules (HSM-INTEROP.md), so the package and every choice
// name a format, and each token maps it to its own mechanism.
import type { Curve, KeyDescription, OaepHash } from './keys';

/**
 * Wrap formats in order of preference.
 * - `aes-kwp`: AES Key Wrap with Padding, RFC 5649 (CKM_AES_KEY_WRAP_KWP; SoftHSM's CKM_AES_KEY_WRAP_PAD).
 * - `aes-kw-pkcs7`: AES Key Wrap, RFC 3394, over PKCS#7-padded data (CKM_AES_KEY_WRAP_PKCS7; NSS's CKM_AES_KEY_WRAP_PAD).
 */
export const wrapFormats = ['aes-kwp', 'aes-kw-pkcs7'] as const;
export type WrapFormat = (typeof wrapFormats)[number];

/** A token's identity and what it supports, as its agent reports it. Public facts only. */
export interface TokenCapabilities {
  /** CK_TOKEN_INFO.manufacturerID, e.g. "SoftHSM project", "Mozilla Foundation", "Kryoptic Project". */
  manufacturer: string;
  model: string;
  /** CK_INFO: the module (library) as it names itself, and its version. */
  library: { manufacturer: string; description: string; version: string; cryptokiVersion: string };
  firmwareVersion: string;
  hardwareVersion: string;
  /** Formats this token can wrap and unwrap under an AES key, most preferred first. */
  wrapFormats: WrapFormat[];
  /** The mechanism (hex) each format maps to on this token, for people and audit records. */
  wrapMechanisms: Partial<Record<WrapFormat, string>>;
  /** RSA-OAEP hashes (with MGF1 of the same hash) this token accepts, strongest first; empty: no OAEP. */
  oaepHashes: OaepHash[];
  /** HMAC-SHA256 inside the token (the package MAC and the check value of generic secrets). */
  hmac: boolean;
  curves: Curve[];
  /** RSA modulus sizes in bits the token can generate (and so hold), from the key-pair mechanism's info. */
  rsaSizes: { min: number; max: number } | null;
}

export interface WrapFormatChoice {
  /** The format the package uses; null when no target shares one with the source. */
  format: WrapFormat | null;
  /** Targets that cannot unwrap `format` (they share no format with the source, or only one the others lack), with what they have. */
  unsupported: Array<{ member: string; wrapFormats: WrapFormat[] }>;
}

/**
 * The format a package is made in: one the source can wrap with and every target can unwrap. When
 * none is shared by all, the source's format that the most targets have (the preferred one on a
 * tie), and the targets without it are named, so those fail as `unsupported-mechanism` and the
 * others proceed.
 */
export function chooseWrapFormat(source: readonly WrapFormat[], targets: ReadonlyArray<{ member: string; wrapFormats: readonly WrapFormat[] }>): WrapFormatChoice {
  let best: { format: WrapFormat; served: number } | undefined;
  for (const format of wrapFormats) {
    if (!source.includes(format)) continue;
    const served = targets.filter((target) => target.wrapFormats.includes(format)).length;
    if (!best || served > best.served) best = { format, served };
  }
  if (!best || (best.served === 0 && targets.length > 0)) {
    return { format: null, unsupported: targets.map((target) => ({ member: target.member, wrapFormats: [...target.wrapFormats] })) };
  }
  const format = best.format;
  return {
    format,
    unsupported: targets.filter((target) => !target.wrapFormats.includes(format)).map((target) => ({ member: target.member, wrapFormats: [...target.wrapFormats] })),
  };
}

/** The join's OAEP hash: SHA-256 when both tokens have it, else SHA-1 when both have that; null when they share none. */
export function chooseOaepHash(sponsor: readonly OaepHash[], joining: readonly OaepHash[]): OaepHash | null {
  for (const hash of ['sha256', 'sha1'] as const) if (sponsor.includes(hash) && joining.includes(hash)) return hash;
  return null;
}

/** Why a token cannot hold a key (a curve it lacks, an RSA size outside its range), or null when it can. */
export function keyNotHeldReason(capabilities: Pick<TokenCapabilities, 'curves' | 'rsaSizes' | 'hmac'>, key: Pick<KeyDescription, 'keyType' | 'size' | 'curve'>): string | null {
  if (key.keyType === 'ec') {
    if (key.curve && !capabilities.curves.includes(key.curve)) return `no EC curve ${key.curve} (it has ${capabilities.curves.join(', ') || 'none'})`;
    return null;
  }
  if (key.keyType === 'rsa') {
    const sizes = capabilities.rsaSizes;
    if (!sizes) return 'no RSA keys';
    if (key.size !== undefined && (key.size < sizes.min || key.size > sizes.max)) return `no RSA-${key.size} (it holds ${sizes.min} to ${sizes.max} bits)`;
    return null;
  }
  if (key.keyType === 'generic-secret' && !capabilities.hmac) return 'no HMAC-SHA256 for generic secrets';
  return null;
}
