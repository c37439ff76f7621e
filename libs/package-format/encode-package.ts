// Encoding: the file is the canonical JSON (object keys sorted, no whitespace, UTF-8) of
// { entries, header, trailer }; the MAC covers the canonical JSON of { entries, header }.
import type { PackageEntrySummary } from '../contract/keys';
import { sha256Hex } from '../digest';
import { canonicalJson } from './canonical-json';
import type { PackageBody, PackageEntry, PackageFile, PackageManifest } from './package-types';

/** The bytes the PMK's HMAC covers: everything before the trailer. */
export function macInput(body: PackageBody): Buffer {
  return Buffer.from(canonicalJson({ entries: body.entries, header: body.header }), 'utf8');
}

export function encodePackage(body: PackageBody, mac: Buffer): Buffer {
  return Buffer.from(canonicalJson({ entries: body.entries, header: body.header, trailer: { mac: mac.toString('hex') } }), 'utf8');
}

/** The package's name in the store: the SHA-256 of its file bytes, hex. */
export function packageDigest(bytes: Buffer): string {
  return sha256Hex(bytes);
}

export function summarizeEntry(entry: PackageEntry): PackageEntrySummary {
  return {
    class: entry.class,
    keyType: entry.keyType,
    ...(entry.size !== undefined ? { size: entry.size } : {}),
    ...(entry.curve !== undefined ? { curve: entry.curve } : {}),
    label: entry.label,
    id: entry.id,
    fingerprint: entry.fingerprint,
    hasPublicKey: entry.publicKeyDer !== undefined,
    hasCertificate: entry.certificateDer !== undefined,
  };
}

export function manifestOf(file: PackageFile, bytes: Buffer): PackageManifest {
  return { ...file.header, digest: packageDigest(bytes), size: bytes.length, keyCount: file.entries.length, entries: file.entries.map(summarizeEntry) };
}
