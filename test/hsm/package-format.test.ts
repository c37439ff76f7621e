// The keysync.ksp/2 codec on its own (libs/package-format, no HSM): canonical bytes and strict decoding.
import { describe, expect, it } from 'vitest';
import { canonicalJson, decodePackage, encodePackage, macInput, manifestOf, PackageRejectedError } from '../../libs/package-format';
import type { PackageBody } from '../../libs/package-format';

const body = (): PackageBody => ({
  header: {
    format: 'keysync.ksp/2',
    packageId: '3f1e2d4c-5b6a-4789-8abc-def012345678',
    clusterId: 'c1',
    sourceMember: 'node1',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-02T00:00:00.000Z',
    ktkKcv: 'a1b2c3',
    pmkKcv: 'd4e5f6',
  },
  entries: [
    { class: 'secret', keyType: 'aes', size: 256, label: 'k é', id: '0102', fingerprint: 'abcdef', usages: ['encrypt', 'decrypt'], wrappedKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', wrapFormat: 'aes-kwp' },
    { class: 'private', keyType: 'ec', curve: 'P-384', label: 'ec', id: '03', fingerprint: '00ff', usages: ['sign'], publicKeyDer: 'MAo=', wrappedKey: 'QUJD', wrapFormat: 'aes-kw-pkcs7' },
    { class: 'secret', keyType: 'generic-secret', size: 256, label: 'hmac', id: '04', fingerprint: '0a0b0c', usages: ['sign', 'verify'], wrappedKey: 'QUJD', wrapFormat: 'aes-kwp', hmacCheckValue: '0011223344556677' },
  ],
});
const MAC = Buffer.alloc(32, 7);

function rejection(bytes: Buffer): PackageRejectedError {
  try {
    decodePackage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(PackageRejectedError);
    return error as PackageRejectedError;
  }
  throw new Error('decodePackage accepted it');
}

/** The decoded JSON of a package, loosely typed so a test can break it in any way. */
interface Raw {
  [field: string]: unknown;
  header: Record<string, unknown>;
  entries: Array<Record<string, unknown>>;
  trailer: Record<string, unknown>;
}

function mutate(change: (value: Raw) => void): Buffer {
  const value = JSON.parse(encodePackage(body(), MAC).toString('utf8')) as Raw;
  change(value);
  return Buffer.from(canonicalJson(value), 'utf8');
}

describe('canonical JSON', () => {
  it('sorts object keys at every depth, keeps array order, has no whitespace and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: true, c: null }], e: undefined, f: 'x y' })).toBe('{"a":[3,{"c":null,"d":true}],"b":1,"f":"x y"}');
  });

  it('refuses values JSON cannot hold exactly', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });

  it('the MAC input is the header and entries only, independent of property order in memory', () => {
    const reordered = body();
    const { pmkKcv, ...rest } = reordered.header;
    reordered.header = { pmkKcv, ...rest };
    expect(macInput(reordered).equals(macInput(body()))).toBe(true);
    expect(macInput(body()).toString('utf8')).not.toContain('trailer');
  });
});

describe('decodePackage', () => {
  it('reads back exactly what encodePackage wrote', () => {
    const bytes = encodePackage(body(), MAC);
    const file = decodePackage(bytes);
    expect(file).toEqual({ ...body(), trailer: { mac: MAC.toString('hex') } });
    expect(encodePackage(file, MAC).equals(bytes)).toBe(true);
  });

  it('the manifest summarises entries without any wrapped key bytes', () => {
    const bytes = encodePackage(body(), MAC);
    const manifest = manifestOf(decodePackage(bytes), bytes);
    expect(manifest).toMatchObject({ keyCount: 3, size: bytes.length, clusterId: 'c1' });
    expect(manifest.entries[1]).toEqual({ class: 'private', keyType: 'ec', curve: 'P-384', label: 'ec', id: '03', fingerprint: '00ff', hasPublicKey: true, hasCertificate: false });
    expect(JSON.stringify(manifest)).not.toContain('QUJD');
  });

  it.each([
    ['an unknown top-level field', (v: Raw) => (v.extra = 1)],
    ['an unknown entry field', (v: Raw) => (v.entries[0]!.extractable = true)],
    ['a missing header field', (v: Raw) => delete v.header.ktkKcv],
    ['a key type that does not fit the class', (v: Raw) => (v.entries[0]!.keyType = 'rsa')],
    ['an AES size that is not 128, 192 or 256', (v: Raw) => (v.entries[0]!.size = 100)],
    ['an EC entry without a known curve', (v: Raw) => (v.entries[1]!.curve = 'P-192')],
    ['a private key without its public key', (v: Raw) => delete v.entries[1]!.publicKeyDer],
    ['two entries with the same class and id', (v: Raw) => (v.entries[1] = v.entries[0]!)],
    ['an unknown usage', (v: Raw) => (v.entries[0]!.usages = ['encrypt', 'teleport'])],
    ['a wrap format it does not know', (v: Raw) => (v.entries[0]!.wrapFormat = 'aes-kw')],
    ['a mechanism number instead of a format (the /1 field)', (v: Raw) => { delete v.entries[0]!.wrapFormat; v.entries[0]!.wrapMechanism = 'CKM_AES_KEY_WRAP_PAD'; }],
    ['a generic secret without its HMAC check value', (v: Raw) => delete v.entries[2]!.hmacCheckValue],
    ['an HMAC check value that is not 8 bytes of hex', (v: Raw) => (v.entries[2]!.hmacCheckValue = 'abcd')],
    ['an HMAC check value on a key that is not a generic secret', (v: Raw) => (v.entries[0]!.hmacCheckValue = '0011223344556677')],
    ['an id that is not lower-case hex', (v: Raw) => (v.entries[0]!.id = '0G')],
    ['a MAC of the wrong length', (v: Raw) => (v.trailer.mac = 'abcd')],
    ['a date that is not ISO UTC', (v: Raw) => (v.header.expiresAt = 'tomorrow')],
  ])('refuses %s as malformed', (_name, change) => {
    expect(rejection(mutate(change)).reason).toBe('malformed');
  });

  it('refuses other bytes for the same content (whitespace, escaped characters) as malformed', () => {
    const bytes = encodePackage(body(), MAC);
    expect(rejection(Buffer.concat([bytes, Buffer.from('\n')])).reason).toBe('malformed');
    expect(rejection(Buffer.from(bytes.toString('utf8').replace('k é', 'k \\u00e9'))).reason).toBe('malformed');
  });

  it('refuses another format with its name in the message', () => {
    const error = rejection(mutate((v) => (v.header.format = 'keysync.ksp/9')));
    expect(error.reason).toBe('unsupported-format');
    expect(error.message).toContain('keysync.ksp/9');
  });

  it('refuses a keysync.ksp/1 file as unsupported-format, saying why and to export it again', () => {
    const error = rejection(mutate((v) => (v.header.format = 'keysync.ksp/1')));
    expect(error.reason).toBe('unsupported-format');
    expect(error.message).toMatch(/keysync\.ksp\/1, made by an earlier KeySync: its entries name a mechanism number whose format depends on the source's HSM.*Export it again from the source member/);
  });

  it('refuses what is not JSON, saying it is truncated or corrupted', () => {
    expect(rejection(Buffer.from('{"header":')).message).toMatch(/truncated or corrupted/);
  });
});
