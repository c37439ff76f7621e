// Strict decoding of a keysync.ksp/2 file (no HSM, no MAC, no expiry). A file that is not
// exactly canonical is refused, so any edit of the bytes is either malformed or caught by the MAC.
import { wrapFormats } from '../contract/hsm-capabilities';
import type { WrapFormat } from '../contract/hsm-capabilities';
import { curves, keyUsages } from '../contract/keys';
import type { Curve, KeyClass, KeyType, KeyUsage } from '../contract/keys';
import { encodePackage } from './encode-package';
import { PackageRejectedError } from './package-rejected-error';
import { LEGACY_PACKAGE_FORMAT, PACKAGE_FORMAT } from './package-types';
import type { PackageEntry, PackageFile, PackageHeader } from './package-types';

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const KEY_TYPES_OF: Record<KeyClass, readonly KeyType[]> = { private: ['rsa', 'ec'], secret: ['aes', 'generic-secret'] };
const USAGES: readonly KeyUsage[] = keyUsages;
const CURVES: readonly Curve[] = curves;
const SECRET_SIZES: Record<'rsa' | 'aes' | 'generic-secret', (bits: number) => boolean> = {
  rsa: (bits) => bits >= 1024 && bits <= 16384,
  aes: (bits) => bits === 128 || bits === 192 || bits === 256,
  'generic-secret': (bits) => bits >= 8 && bits <= 4096 && bits % 8 === 0,
};

const ADVICE = 'Export the package again from the source member and retry with the new file.';

function malformed(what: string): PackageRejectedError {
  return new PackageRejectedError('malformed', `The package is malformed: ${what}. ${ADVICE}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectKeys(where: string, record: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): void {
  for (const key of required) if (!(key in record)) throw malformed(`${where} lacks "${key}"`);
  for (const key of Object.keys(record)) if (!required.includes(key) && !optional.includes(key)) throw malformed(`${where} has an unknown field "${key}"`);
}

function text(where: string, value: unknown, pattern?: RegExp, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) throw malformed(`${where} must be a non-empty string`);
  if (pattern && !pattern.test(value)) throw malformed(`${where} is not in the expected form`);
  return value;
}

function decodeHeader(value: unknown): PackageHeader {
  if (!isRecord(value)) throw malformed('the header is not an object');
  // The format is checked before anything else, so a future version gets a precise answer.
  if (value.format === LEGACY_PACKAGE_FORMAT) {
    throw new PackageRejectedError(
      'unsupported-format',
      `The package is ${LEGACY_PACKAGE_FORMAT}, made by an earlier KeySync: its entries name a mechanism number whose format depends on the source's HSM, and its secrets carry no check value, so this node reads only ${PACKAGE_FORMAT}. Export it again from the source member (a new sync does).`,
    );
  }
  if (value.format !== PACKAGE_FORMAT) {
    const said = typeof value.format === 'string' ? `"${value.format.slice(0, 40)}"` : 'no format';
    throw new PackageRejectedError('unsupported-format', `The package has ${said}; this node reads only ${PACKAGE_FORMAT}. Export it again from a member running the same KeySync version.`);
  }
  expectKeys('the header', value, ['format', 'packageId', 'clusterId', 'sourceMember', 'createdAt', 'expiresAt', 'ktkKcv', 'pmkKcv']);
  const header: PackageHeader = {
    format: PACKAGE_FORMAT,
    packageId: text('header.packageId', value.packageId, UUID),
    clusterId: text('header.clusterId', value.clusterId),
    sourceMember: text('header.sourceMember', value.sourceMember),
    createdAt: text('header.createdAt', value.createdAt, ISO_TIME),
    expiresAt: text('header.expiresAt', value.expiresAt, ISO_TIME),
    ktkKcv: text('header.ktkKcv', value.ktkKcv, HEX),
    pmkKcv: text('header.pmkKcv', value.pmkKcv, HEX),
  };
  if (Number.isNaN(Date.parse(header.createdAt)) || Number.isNaN(Date.parse(header.expiresAt))) throw malformed('a header time is not a valid date');
  return header;
}

function decodeEntry(value: unknown, index: number): PackageEntry {
  const where = `entry ${index}`;
  if (!isRecord(value)) throw malformed(`${where} is not an object`);
  expectKeys(where, value, ['class', 'keyType', 'label', 'id', 'fingerprint', 'usages', 'wrappedKey', 'wrapFormat'], ['size', 'curve', 'publicKeyDer', 'certificateDer', 'hmacCheckValue']);
  const keyClass = value.class;
  if (keyClass !== 'private' && keyClass !== 'secret') throw malformed(`${where} has an unknown class`);
  const keyType = value.keyType as KeyType;
  if (!KEY_TYPES_OF[keyClass].includes(keyType)) throw malformed(`${where} has a key type that does not fit its class`);
  const entry: PackageEntry = {
    class: keyClass,
    keyType,
    label: text(`${where}.label`, value.label, undefined, true),
    id: text(`${where}.id`, value.id, HEX, true),
    fingerprint: text(`${where}.fingerprint`, value.fingerprint, HEX),
    usages: [],
    wrappedKey: text(`${where}.wrappedKey`, value.wrappedKey, BASE64),
    wrapFormat: value.wrapFormat as WrapFormat,
  };
  if (!wrapFormats.includes(value.wrapFormat as WrapFormat)) throw malformed(`${where} names a wrap format other than ${wrapFormats.join(' or ')}`);
  if (keyType === 'generic-secret') entry.hmacCheckValue = text(`${where}.hmacCheckValue`, value.hmacCheckValue, /^[0-9a-f]{16}$/);
  else if (value.hmacCheckValue !== undefined) throw malformed(`${where} has an HMAC check value, which only generic secrets carry`);
  if (!Array.isArray(value.usages) || value.usages.some((usage) => !USAGES.includes(usage as KeyUsage)) || new Set(value.usages).size !== value.usages.length) {
    throw malformed(`${where}.usages is not a list of distinct key usages`);
  }
  entry.usages = value.usages as KeyUsage[];
  if (keyType === 'ec') {
    if (!CURVES.includes(value.curve as Curve) || value.size !== undefined) throw malformed(`${where} is an EC key without a known curve`);
    entry.curve = value.curve as Curve;
  } else {
    const size = value.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || !SECRET_SIZES[keyType](size) || value.curve !== undefined) throw malformed(`${where} has no valid size`);
    entry.size = size;
  }
  if (value.publicKeyDer !== undefined) entry.publicKeyDer = text(`${where}.publicKeyDer`, value.publicKeyDer, BASE64);
  if (value.certificateDer !== undefined) entry.certificateDer = text(`${where}.certificateDer`, value.certificateDer, BASE64);
  if (keyClass === 'secret' && (entry.publicKeyDer !== undefined || entry.certificateDer !== undefined)) throw malformed(`${where} is a secret key with public objects`);
  if (keyClass === 'private' && entry.publicKeyDer === undefined) throw malformed(`${where} is a private key without its public key`);
  return entry;
}

/**
 * Parses and checks the structure of a package (no HSM, no MAC, no expiry). Throws
 * PackageRejectedError 'malformed' or 'unsupported-format'.
 */
export function decodePackage(bytes: Buffer): PackageFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('it is not valid JSON (truncated or corrupted)');
  }
  if (!isRecord(parsed)) throw malformed('it is not a JSON object');
  const header = decodeHeader(parsed.header);
  expectKeys('the package', parsed, ['header', 'entries', 'trailer']);
  if (!Array.isArray(parsed.entries)) throw malformed('"entries" is not a list');
  const entries = parsed.entries.map((entry, index) => decodeEntry(entry, index));
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = `${entry.class}:${entry.id}`;
    if (seen.has(key)) throw malformed(`two entries have class ${entry.class} and id ${entry.id}`);
    seen.add(key);
  }
  const trailer = parsed.trailer;
  if (!isRecord(trailer)) throw malformed('the trailer is not an object');
  expectKeys('the trailer', trailer, ['mac']);
  const mac = text('trailer.mac', trailer.mac, /^[0-9a-f]{64}$/);
  const file: PackageFile = { header, entries, trailer: { mac } };
  if (!encodePackage(file, Buffer.from(mac, 'hex')).equals(bytes)) throw malformed('its bytes are not in canonical form (edited or re-formatted)');
  return file;
}
