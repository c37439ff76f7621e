// A strict decoder for the part of CBOR (RFC 8949) a WebAuthn attestation object and a COSE key
// use: unsigned and negative integers, byte and text strings, arrays and maps, with definite
// lengths only. Anything else (indefinite lengths, tags, floats, trailing bytes, duplicate map
// keys) is refused, never guessed: the input comes from a browser, so it is untrusted.

export type CborValue = number | Uint8Array | string | CborValue[] | Map<number | string, CborValue> | boolean | null;

export class CborError extends Error {}

/** The largest nesting a WebAuthn structure needs (attestation object > authData is bytes; COSE key is flat). */
const maxDepth = 8;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new CborError('ends in the middle of an item');
    return this.bytes[this.offset++] as number;
  }

  take(length: number): Uint8Array {
    if (length > this.bytes.length - this.offset) throw new CborError('a string runs past the end');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  argument(additional: number): number {
    if (additional < 24) return additional;
    const size = additional === 24 ? 1 : additional === 25 ? 2 : additional === 26 ? 4 : additional === 27 ? 8 : 0;
    if (size === 0) throw new CborError('indefinite lengths and reserved values are not accepted');
    let value = 0;
    for (const byte of this.take(size)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw new CborError('an integer or length is too large');
    return value;
  }

  item(depth: number): CborValue {
    if (depth > maxDepth) throw new CborError('nested too deeply');
    const initial = this.byte();
    const major = initial >> 5;
    const additional = initial & 0x1f;
    if (major === 7) {
      if (additional === 20) return false;
      if (additional === 21) return true;
      if (additional === 22) return null;
      throw new CborError('floats and other simple values are not accepted');
    }
    const argument = this.argument(additional);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return -1 - argument;
      case 2:
        return Uint8Array.from(this.take(argument));
      case 3:
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(this.take(argument));
        } catch (error) {
          if (error instanceof CborError) throw error;
          throw new CborError('a text string is not UTF-8');
        }
      case 4:
        return Array.from({ length: argument }, () => this.item(depth + 1));
      case 5: {
        const map = new Map<number | string, CborValue>();
        for (let index = 0; index < argument; index += 1) {
          const key = this.item(depth + 1);
          if (typeof key !== 'number' && typeof key !== 'string') throw new CborError('a map key is neither an integer nor text');
          if (map.has(key)) throw new CborError(`map key ${JSON.stringify(key)} appears twice`);
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      default:
        throw new CborError('tags are not accepted');
    }
  }
}

/** Decodes one item that must fill `bytes` exactly. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborError(`${bytes.length - reader.offset} byte(s) follow the item`);
  return value;
}

/** Decodes the first item of `bytes` and says where it ends (authenticator data puts a COSE key before extensions). */
export function decodeCborPrefix(bytes: Uint8Array): { value: CborValue; length: number } {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  return { value, length: reader.offset };
}
