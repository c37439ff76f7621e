// A test-only FIDO2 authenticator: a P-256 key made with node:crypto that answers WebAuthn
// registrations (attestation `none`) and assertions the way a security key and a browser do
// together, so the verifiers are tested against an independent implementation of the signing side.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { approvalChallenge } from '../../libs/approvals/challenge';
import type { ChallengeFields } from '../../libs/approvals/challenge';
import type { Approval, Decision, WebAuthnAssertion } from '../../libs/contract/approvals';

export interface TestSecurityKey {
  approverId: string;
  credentialId: string;
  /** SubjectPublicKeyInfo DER, base64url: what the credential store records. */
  publicKey: string;
  privateKey: KeyObject;
  /** Uncompressed point coordinates, for the COSE key of an attestation. */
  x: Buffer;
  y: Buffer;
}

export const flags = { up: 0x01, uv: 0x04, at: 0x40 } as const;

const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Buffer): string => data.toString('base64url');

export function makeSecurityKey(approverId: string): TestSecurityKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    approverId,
    credentialId: b64url(randomBytes(32)),
    publicKey: b64url(spki),
    privateKey,
    x: Buffer.from(jwk.x as string, 'base64url'),
    y: Buffer.from(jwk.y as string, 'base64url'),
  };
}

export interface CeremonyOptions {
  rpId: string;
  origin: string;
  /** authenticatorData flags; default UP and UV. */
  flags?: number;
  type?: string;
  crossOrigin?: boolean;
}

function clientData(type: string, challenge: string, options: CeremonyOptions): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin: options.origin, crossOrigin: options.crossOrigin ?? false }), 'utf8');
}

/** An assertion for a WebAuthn challenge given as base64url (what navigator.credentials.get returns). */
export function assertChallenge(key: TestSecurityKey, webauthnChallenge: string, options: CeremonyOptions): WebAuthnAssertion {
  const authenticatorData = Buffer.concat([sha256(options.rpId), Buffer.from([options.flags ?? flags.up | flags.uv]), Buffer.from([0, 0, 0, 7])]);
  const clientDataJSON = clientData(options.type ?? 'webauthn.get', webauthnChallenge, options);
  // node:crypto's ECDSA signature is DER, as an authenticator's is.
  const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), key.privateKey);
  return { credentialId: key.credentialId, authenticatorData: b64url(authenticatorData), clientDataJSON: b64url(clientDataJSON), signature: b64url(signature) };
}

/** The security key approval a browser makes for an operation's canonical challenge string. */
export function approveWithSecurityKey(key: TestSecurityKey, challenge: string, member: string, options: CeremonyOptions, decision: Decision = 'approve'): Approval {
  const text = challenge.replace(/approve$/, decision);
  return { member, approverId: key.approverId, decision, webauthn: assertChallenge(key, b64url(sha256(text)), options) };
}

/** The same, from the challenge's fields. */
export function securityKeyApproval(key: TestSecurityKey, fields: Omit<ChallengeFields, 'decision'>, options: CeremonyOptions, decision: Decision = 'approve'): Approval {
  return approveWithSecurityKey(key, approvalChallenge({ ...fields, decision: 'approve' }), fields.member, options, decision);
}

// A minimal CBOR encoder (RFC 8949) for what an attestation object holds: unsigned and negative
// integers, byte and text strings, maps. Test-only: the verifier's decoder is the one under test.
function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const bytes = Buffer.alloc(5);
  bytes[0] = (major << 5) | 26;
  bytes.writeUInt32BE(value, 1);
  return bytes;
}

export type CborValue = number | string | Buffer | Map<CborValue, CborValue>;

export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
}

/** The COSE_Key of an ES256 credential (RFC 9053): kty EC2, alg -7, crv P-256, x, y. */
export function coseKeyOf(key: TestSecurityKey, overrides: { alg?: number; crv?: number } = {}): Buffer {
  return encodeCbor(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, overrides.alg ?? -7],
      [-1, overrides.crv ?? 1],
      [-2, key.x],
      [-3, key.y],
    ]),
  );
}

export interface Registration {
  credentialId: string;
  clientDataJSON: string;
  attestationObject: string;
}

/** What navigator.credentials.create returns for a registration challenge (attestation none). */
export function registerSecurityKey(
  key: TestSecurityKey,
  webauthnChallenge: string,
  options: CeremonyOptions & { coseKey?: Buffer; fmt?: string },
): Registration {
  const credentialId = Buffer.from(key.credentialId, 'base64url');
  const length = Buffer.from([credentialId.length >> 8, credentialId.length & 0xff]);
  const authData = Buffer.concat([
    sha256(options.rpId),
    Buffer.from([options.flags ?? flags.up | flags.uv | flags.at]),
    Buffer.from([0, 0, 0, 0]),
    Buffer.alloc(16), // AAGUID: zero under attestation none
    length,
    credentialId,
    options.coseKey ?? coseKeyOf(key),
  ]);
  const attestationObject = encodeCbor(
    new Map<CborValue, CborValue>([
      ['fmt', options.fmt ?? 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]),
  );
  return {
    credentialId: key.credentialId,
    clientDataJSON: b64url(clientData(options.type ?? 'webauthn.create', webauthnChallenge, options)),
    attestationObject: b64url(attestationObject),
  };
}
