// The API's registration checks, pure logic (DESIGN 14): the strict CBOR decoder, the attestation
// object and COSE key of a registration made by a node:crypto P-256 authenticator, and the
// stateless registration challenge.
import { describe, expect, it } from 'vitest';
import { RegistrationProblem, verifyRegistration } from '../../apps/api/credentials/attestation';
import { CborError, decodeCbor } from '../../apps/api/credentials/cbor';
import { RegistrationChallenges } from '../../apps/api/credentials/registration-challenge';
import { coseKeyOf, encodeCbor, makeSecurityKey, registerSecurityKey } from '../support/security-key';

const relyingParty = { rpId: 'keysync.example', origins: ['https://keysync.example'] };
const ceremony = { rpId: relyingParty.rpId, origin: relyingParty.origins[0]! };
const challenge = Buffer.alloc(56, 3).toString('base64url');
const key = makeSecurityKey('approver-1');

const problemOf = (registration: ReturnType<typeof registerSecurityKey>): string => {
  try {
    verifyRegistration(registration, challenge, relyingParty);
    return 'accepted';
  } catch (error) {
    if (error instanceof RegistrationProblem) return error.message;
    throw error;
  }
};

describe('CBOR decoding', () => {
  it('reads the subset WebAuthn uses and refuses indefinite lengths, tags, floats, trailing bytes and repeated keys', () => {
    expect(decodeCbor(Uint8Array.from([0xa2, 0x01, 0x02, 0x20, 0x43, 1, 2, 3]))).toEqual(new Map<number, unknown>([[1, 2], [-1, Uint8Array.from([1, 2, 3])]]));
    for (const bytes of [[0x5f, 0x41, 0x00, 0xff], [0xc2, 0x41, 0x00], [0xf9, 0x3c, 0x00], [0x01, 0x02], [0xa2, 0x01, 0x02, 0x01, 0x03], [0x43, 0x01]]) {
      expect(() => decodeCbor(Uint8Array.from(bytes)), bytes.join(',')).toThrow(CborError);
    }
  });
});

describe('registration verification', () => {
  it('accepts an ES256 registration with attestation none and gives the key as SubjectPublicKeyInfo', () => {
    expect(verifyRegistration(registerSecurityKey(key, challenge, ceremony), challenge, relyingParty)).toEqual({ publicKey: key.publicKey });
  });

  it('refuses RS256, another curve, another format, another credential id, a get ceremony', () => {
    expect(problemOf(registerSecurityKey(key, challenge, { ...ceremony, coseKey: coseKeyOf(key, { alg: -257 }) }))).toMatch(/algorithm is -257, not -7/);
    expect(problemOf(registerSecurityKey(key, challenge, { ...ceremony, coseKey: coseKeyOf(key, { crv: 2 }) }))).toMatch(/not an EC2 key on P-256/);
    expect(problemOf(registerSecurityKey(key, challenge, { ...ceremony, fmt: 'packed' }))).toMatch(/format "packed" is not accepted/);
    expect(problemOf({ ...registerSecurityKey(key, challenge, ceremony), credentialId: makeSecurityKey('x').credentialId })).toMatch(/credential id in authData is not the credentialId sent/);
    expect(problemOf(registerSecurityKey(key, challenge, { ...ceremony, type: 'webauthn.get' }))).toMatch(/type is "webauthn.get", not webauthn.create/);
  });

  it('refuses a key that is not on the curve, and an attestation object that is not CBOR', () => {
    const offCurve = { ...key, y: Buffer.alloc(32, 1) };
    expect(problemOf(registerSecurityKey(offCurve, challenge, { ...ceremony, coseKey: coseKeyOf(offCurve) }))).toMatch(/not a point on P-256/);
    const registration = registerSecurityKey(key, challenge, ceremony);
    const trailing = Buffer.concat([Buffer.from(registration.attestationObject, 'base64url'), encodeCbor(0)]).toString('base64url');
    expect(problemOf({ ...registration, attestationObject: trailing })).toMatch(/attestationObject is not valid CBOR: 1 byte\(s\) follow/);
  });
});

describe('registration challenges', () => {
  it('verify for the cluster and approver they were issued to, until they expire', () => {
    const challenges = new RegistrationChallenges();
    const issued = challenges.issue('demo', 'approver-1', 1_000);
    expect(challenges.check(issued, 'demo', 'approver-1', 2_000)).toBe('ok');
    expect(challenges.check(issued, 'demo', 'approver-2', 2_000)).toBe('forged');
    expect(challenges.check(issued, 'other', 'approver-1', 2_000)).toBe('forged');
    expect(challenges.check(issued, 'demo', 'approver-1', 1_000 + 120_001)).toBe('expired');
    expect(new RegistrationChallenges().check(issued, 'demo', 'approver-1', 2_000)).toBe('forged');
    expect(challenges.check('short', 'demo', 'approver-1', 2_000)).toBe('malformed');
  });
});
