// SoftHSM 2.6's file object store, read and written the way SoftHSM does it, for tests that need a
// token object in a state only a crash inside SoftHSM leaves. An object file is a generation number
// then, per attribute, its type, its kind and its value; every integer is 8 bytes big-endian
// (ObjectFile.cpp / File.cpp in SoftHSM 2.6.1). Byte strings of private objects are encrypted with
// the token's key, so objects are told apart here by class and key type (plain integers) only.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkcs11 from 'pkcs11js';

const BOOLEAN = 1;
const ULONG = 2;
const BYTES = 3;
const ATTRIBUTE_MAP = 4;
const MECHANISM_SET = 5;

type Value = { kind: typeof BOOLEAN; value: boolean } | { kind: typeof ULONG; value: bigint } | { kind: typeof BYTES | typeof ATTRIBUTE_MAP | typeof MECHANISM_SET; raw: Buffer };

interface ObjectFile {
  generation: bigint;
  attributes: Map<number, Value>;
}

function parse(bytes: Buffer): ObjectFile {
  let at = 0;
  const ulong = () => {
    const value = bytes.readBigUInt64BE(at);
    at += 8;
    return value;
  };
  const generation = ulong();
  const attributes = new Map<number, Value>();
  while (at < bytes.length) {
    const type = Number(ulong());
    const kind = Number(ulong());
    if (kind === BOOLEAN) {
      attributes.set(type, { kind, value: bytes[at] !== 0 });
      at += 1;
    } else if (kind === ULONG) {
      attributes.set(type, { kind, value: ulong() });
    } else if (kind === BYTES || kind === ATTRIBUTE_MAP) {
      const length = Number(ulong());
      attributes.set(type, { kind, raw: bytes.subarray(at, at + length) });
      at += length;
    } else if (kind === MECHANISM_SET) {
      const count = Number(ulong());
      attributes.set(type, { kind, raw: bytes.subarray(at, at + count * 8) });
      at += count * 8;
    } else {
      throw new Error(`unknown SoftHSM attribute kind ${kind}`);
    }
  }
  return { generation, attributes };
}

function serialize(file: ObjectFile): Buffer {
  const parts: Buffer[] = [];
  const ulong = (value: bigint | number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64BE(BigInt(value));
    parts.push(buffer);
  };
  ulong(file.generation);
  for (const [type, value] of file.attributes) {
    ulong(type);
    ulong(value.kind);
    if (value.kind === BOOLEAN) parts.push(Buffer.from([value.value ? 1 : 0]));
    else if (value.kind === ULONG) ulong(value.value);
    else if (value.kind === MECHANISM_SET) {
      ulong(value.raw.length / 8);
      parts.push(value.raw);
    } else {
      ulong(value.raw.length);
      parts.push(value.raw);
    }
  }
  return Buffer.concat(parts);
}

/** The object files of every token under a SoftHSM tokens folder, with their class and key type. */
export function softHsmObjectFiles(tokensDir: string): { path: string; objectClass: number; keyType?: number }[] {
  const found: { path: string; objectClass: number; keyType?: number }[] = [];
  for (const tokenDir of readdirSync(tokensDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const name of readdirSync(join(tokensDir, tokenDir.name)).filter((file) => file.endsWith('.object') && file !== 'token.object')) {
      const path = join(tokensDir, tokenDir.name, name);
      const { attributes } = parse(readFileSync(path));
      const objectClass = attributes.get(pkcs11.CKA_CLASS);
      const keyType = attributes.get(pkcs11.CKA_KEY_TYPE);
      if (objectClass?.kind !== ULONG) continue;
      found.push({ path, objectClass: Number(objectClass.value), ...(keyType?.kind === ULONG ? { keyType: Number(keyType.value) } : {}) });
    }
  }
  return found;
}

/** What SoftHSM 2.6.1's C_UnwrapKey stores in its second commit, per key type (setECPrivateKey, setRSAPrivateKey, CKA_VALUE). */
const KEY_MATERIAL: Record<number, readonly number[]> = {
  [pkcs11.CKK_EC]: [pkcs11.CKA_EC_PARAMS, pkcs11.CKA_VALUE],
  [pkcs11.CKK_RSA]: [
    pkcs11.CKA_MODULUS,
    pkcs11.CKA_PUBLIC_EXPONENT,
    pkcs11.CKA_PRIVATE_EXPONENT,
    pkcs11.CKA_PRIME_1,
    pkcs11.CKA_PRIME_2,
    pkcs11.CKA_EXPONENT_1,
    pkcs11.CKA_EXPONENT_2,
    pkcs11.CKA_COEFFICIENT,
  ],
  [pkcs11.CKK_AES]: [pkcs11.CKA_VALUE],
  [pkcs11.CKK_GENERIC_SECRET]: [pkcs11.CKA_VALUE],
};

/**
 * Puts an unwrapped key's object file back in the state SoftHSM 2.6.1's C_UnwrapKey leaves when
 * the process dies between its two commits: C_UnwrapKey first creates the object from the
 * caller's template (CreateObject, every other attribute at its default), and only then, in a
 * second transaction, stores CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE and the key
 * material. Those go back to SoftHSM's defaults (false, false, true, empty byte strings) and the
 * generation moves on, as a write would. The token must not be open in this process meanwhile
 * (SoftHSM caches objects per process).
 */
export function rewindToFirstUnwrapCommit(path: string): void {
  const file = parse(readFileSync(path));
  const keyType = file.attributes.get(pkcs11.CKA_KEY_TYPE);
  const material = keyType?.kind === ULONG ? KEY_MATERIAL[Number(keyType.value)] : undefined;
  if (!material) throw new Error(`${path} is not a key object of a type this test knows`);
  for (const type of material) file.attributes.set(type, { kind: BYTES, raw: Buffer.alloc(0) });
  file.attributes.set(pkcs11.CKA_LOCAL, { kind: BOOLEAN, value: false });
  file.attributes.set(pkcs11.CKA_ALWAYS_SENSITIVE, { kind: BOOLEAN, value: false });
  file.attributes.set(pkcs11.CKA_NEVER_EXTRACTABLE, { kind: BOOLEAN, value: true });
  writeFileSync(path, serialize({ ...file, generation: file.generation + 1n }));
}
