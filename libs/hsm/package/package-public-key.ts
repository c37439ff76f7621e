// An entry's public key as the package carries it (SubjectPublicKeyInfo DER), parsed at most once
// per entry of an import: the public key object created from it, the module's attributes of the
// private key (module-quirks.ts) and the signature check of the EC proof all need it, and a parse
// through node:crypto costs about as much as a token read.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { publicKeyFactsOf, type PublicKeyFacts } from '../spki';
import type { PackageEntry } from '../../package-format';

export class PackagePublicKey {
  private parsed: KeyObject | undefined;
  private factsRead: PublicKeyFacts | undefined;

  private constructor(readonly der: Buffer) {}

  /** The entry's public key, or undefined when the package gives none (secret keys). */
  static of(entry: PackageEntry): PackagePublicKey | undefined {
    return entry.publicKeyDer ? new PackagePublicKey(Buffer.from(entry.publicKeyDer, 'base64')) : undefined;
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
