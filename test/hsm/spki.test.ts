// The EC SubjectPublicKeyInfo that ecSpki writes directly must be byte for byte what node:crypto
// exports for the same key: inventories fingerprint EC keys by SHA-256 of it, so one differing byte
// would make every EC key of a member look like another key.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { octetString } from '../../libs/hsm/der';
import { curveInfo, ecSpki } from '../../libs/hsm/spki';
import type { Curve } from '../../libs/hsm/types';

const NODE_CURVE: Record<Curve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

describe('ecSpki', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`writes the SPKI node:crypto exports for a ${curve} key, from a DER or a bare point`, () => {
      for (let sample = 0; sample < 20; sample += 1) {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] });
        const jwk = publicKey.export({ format: 'jwk' });
        const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
        const expected = publicKey.export({ type: 'spki', format: 'der' });
        const params = curveInfo(curve).params;
        expect(ecSpki(params, octetString(point))).toEqual({ der: expected, curve });
        expect(ecSpki(params, point).der).toEqual(expected);
      }
    });
  }

  it('refuses a curve it does not know and a point that is not an uncompressed point of the curve', () => {
    const secp256k1 = Buffer.from('06052b8104000a', 'hex');
    expect(() => ecSpki(secp256k1, octetString(Buffer.alloc(65, 4)))).toThrow(/curve other than/);
    expect(() => ecSpki(curveInfo('P-256').params, octetString(Buffer.alloc(33, 2)))).toThrow(/not an uncompressed P-256 point/);
  });
});
