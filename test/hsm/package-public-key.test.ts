// A worker hosting several node agents imports one package into each of their tokens: an entry's
// public key is parsed once for all of them (package-public-key.ts), and the parsed keys it keeps
// are bounded, the least recently used let go first.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CACHED_KEYS, PackagePublicKey } from '../../libs/hsm/package/package-public-key';
import { publicKeyFacts } from '../../libs/hsm/spki';
import type { PackageEntry } from '../../libs/package-format';

const entryWith = (publicKeyDer: string | undefined) => ({ publicKeyDer }) as PackageEntry;

describe('PackagePublicKey', () => {
  it('parses an entry public key once for every import of it in the process', () => {
    const der = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
    const first = PackagePublicKey.of(entryWith(der.toString('base64')))!;
    const second = PackagePublicKey.of(entryWith(der.toString('base64')))!;
    expect(second).toBe(first);
    expect(second.key).toBe(first.key);
    expect(first.der).toEqual(der);
    expect(first.facts).toEqual(publicKeyFacts(der));
  });

  it('gives none for an entry without a public key (a secret key)', () => {
    expect(PackagePublicKey.of(entryWith(undefined))).toBeUndefined();
  });

  it(`keeps at most ${CACHED_KEYS} keys, letting the least recently used go first`, () => {
    // Never parsed here: what is kept is the entry's DER until a caller asks for the key.
    const base64 = (n: number) => Buffer.from(`distinct-der-${n}`).toString('base64');
    const kept = Array.from({ length: CACHED_KEYS }, (_, n) => PackagePublicKey.of(entryWith(base64(n)))!);
    expect(PackagePublicKey.of(entryWith(base64(0)))).toBe(kept[0]);
    PackagePublicKey.of(entryWith(base64(CACHED_KEYS)));
    // Entry 0 was used again just now, so entry 1 was the oldest.
    expect(PackagePublicKey.of(entryWith(base64(0)))).toBe(kept[0]);
    expect(PackagePublicKey.of(entryWith(base64(1)))).not.toBe(kept[1]);
  });
});
