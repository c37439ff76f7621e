// An entry's public key as the package carries it (SubjectPublicKeyInfo DER), parsed at most once
// per process: the public key object created from it, the module's attributes of the private key
// (module-quirks.ts) and the signature check of the EC proof all need it, a parse through
// node:crypto costs about as much as a token read, and a worker hosting several node agents
// imports the same package into each of their tokens. Public keys only: nothing secret is kept.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { publicKeyFactsOf, type PublicKeyFacts } from '../spki';
import type { PackageEntry } from '../../package-format';

/** Entries kept: a few packages' worth; a parsed P-256 key weighs about 2 KB (measured), so about 8 MB when full. */
export const CACHED_KEYS = 4096;
/** By the entry's base64 DER, oldest first (a Map keeps insertion order). */
const parsedKeys = new Map<string, PackagePublicKey>();

export class PackagePublicKey {
  private parsed: KeyObject | undefined;
  private factsRead: PublicKeyFacts | undefined;

  private constructor(readonly der: Buffer) {}

  /** The entry's public key, or undefined when the package gives none (secret keys). */
  static of(entry: PackageEntry): PackagePublicKey | undefined {
    const base64 = entry.publicKeyDer;
    if (!base64) return undefined;
    const known = parsedKeys.get(base64);
    if (known) {
      // Most recently used goes last, so the oldest is the one let go.
      parsedKeys.delete(base64);
      parsedKeys.set(base64, known);
      return known;
    }
    const key = new PackagePublicKey(Buffer.from(base64, 'base64'));
    parsedKeys.set(base64, key);
    if (parsedKeys.size > CACHED_KEYS) parsedKeys.delete(parsedKeys.keys().next().value!);
    return key;
  }

  get key(): KeyObject {
    this.parsed ??= createPublicKey({ key: this.der, format: 'der', type: 'spki' });
    return this.parsed;
  }

  get facts(): PublicKeyFacts {
    this.factsRead ??= publicKeyFactsOf(this.key);
    return this.factsRead;
  }
}
