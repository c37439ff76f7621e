// What a PKCS#11 module does differently from the standard, in one table, chosen by the module's
// identity (CK_INFO.manufacturerID, else CK_TOKEN_INFO.manufacturerID). Nothing else in this layer
// asks which module it talks to: it asks this table. Facts measured here (HSM-INTEROP.md):
// - SoftHSM 2.6 implements CKM_AES_KEY_WRAP_PAD (0x210A) as RFC 5649 (aes-kwp) and lacks
//   CKM_AES_KEY_WRAP_KWP; its RSA-OAEP accepts only SHA-1 with MGF1-SHA1 (CKR_ARGUMENTS_BAD for
//   SHA-256), though it lists the mechanism: known by identity here rather than probed, since a
//   probe needs a key on the token and the table is the one place such facts live.
// - NSS softoken implements 0x210A as RFC 3394 over PKCS#7 padding (aes-kw-pkcs7) and has
//   CKM_AES_KEY_WRAP_KWP for RFC 5649; it refuses to unwrap an EC private key without its vendor
//   attribute CKA_NSS_DB (the EC point), which SoftHSM and Kryoptic refuse.
// - SoftHSM 2.6's file store gives a process a briefly wrong view of objects it has just written
//   while another process uses the token (pkcs11-tool, the PKI application): one reads back
//   invalid (CKR_OBJECT_HANDLE_INVALID), with empty attributes, or is missing from a find, and the
//   next read is right again (test/hsm/concurrent-reader.test.ts). Its file locks are released
//   before the write they guard is flushed (fixed upstream after 2.6.1). So a listing is trusted
//   once two reads in a row agree (`steadyReads`).
// - Kryoptic 1.5 follows the standard numbers (0x210B, 0x210C; no 0x210A).
// - Every module here refuses HMAC with a CKK_AES key: HMAC keys are CKK_GENERIC_SECRET
//   (templates.ts), which is what the standard says, so it needs no entry.
import type { OaepHash } from '../contract/keys';
import type { WrapFormat } from '../contract/hsm-capabilities';

/** Who made the module and the token, as they say in CK_INFO and CK_TOKEN_INFO (blank padding removed). */
export interface ModuleIdentity {
  libraryManufacturer: string;
  libraryDescription: string;
  libraryVersion: string;
  cryptokiVersion: string;
  tokenManufacturer: string;
  model: string;
  firmwareVersion: string;
  hardwareVersion: string;
}

export interface ModuleQuirks {
  /** For people: which entry of the table applies. */
  name: string;
  /**
   * Formats this module implements under a mechanism number whose standard meaning is another,
   * or no single one (0x210A): used only here, never by number alone.
   */
  formatMechanisms: Partial<Record<WrapFormat, number>>;
  /** RSA-OAEP hashes when the module accepts fewer than it lists; absent: SHA-256 and SHA-1. */
  oaepHashes?: OaepHash[];
  /** The vendor attribute (with the EC point as its value) this module requires on an EC private key it unwraps. */
  ecPrivateKeyPointAttribute?: number;
  /** True when a listing of the token is trusted only once two reads in a row agree (SoftHSM: see above). */
  steadyReads?: boolean;
}

/** CKA_NSS_DB, an NSS vendor attribute (HSM-INTEROP.md). */
const CKA_NSS_DB = 0xd5a0db00;

const CKM_AES_KEY_WRAP_PAD = 0x210a;

const STANDARD: ModuleQuirks = { name: 'standard', formatMechanisms: {} };

const TABLE: ReadonlyArray<{ matches: (identity: ModuleIdentity) => boolean; quirks: ModuleQuirks }> = [
  {
    matches: (identity) => identity.libraryManufacturer === 'SoftHSM' || identity.tokenManufacturer === 'SoftHSM project',
    quirks: { name: 'SoftHSM', formatMechanisms: { 'aes-kwp': CKM_AES_KEY_WRAP_PAD }, oaepHashes: ['sha1'], steadyReads: true },
  },
  {
    matches: (identity) => identity.libraryManufacturer === 'Mozilla Foundation',
    quirks: { name: 'NSS softoken', formatMechanisms: { 'aes-kw-pkcs7': CKM_AES_KEY_WRAP_PAD }, ecPrivateKeyPointAttribute: CKA_NSS_DB },
  },
  {
    matches: (identity) => identity.libraryManufacturer === 'Kryoptic',
    quirks: { name: 'Kryoptic', formatMechanisms: {} },
  },
];

/** The vendor attributes this module needs on an EC private key it unwraps or copies (NSS: CKA_NSS_DB with the bare EC point). */
export function ecPrivateKeyAttributes(quirks: ModuleQuirks, bareEcPoint: Buffer): Array<{ type: number; value: Buffer }> {
  return quirks.ecPrivateKeyPointAttribute === undefined ? [] : [{ type: quirks.ecPrivateKeyPointAttribute, value: Buffer.from(bareEcPoint) }];
}

export function quirksOf(identity: ModuleIdentity): ModuleQuirks {
  return TABLE.find((entry) => entry.matches(identity))?.quirks ?? STANDARD;
}
