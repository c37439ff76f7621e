// A FIDO2 security key's approval (DESIGN 14): verifies a WebAuthn assertion made for the
// operation's canonical challenge (challenge.ts) with a confirmed credential's P-256 public key.
// Pure JavaScript (noble), so the workflow sandbox, the API and `keysync audit verify` run the same
// check. Each refusal says which check failed and never echoes a signature or a key.
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { WebAuthnAssertion, WebAuthnRelyingParty } from '../contract/approvals';
import { decodeBase64url, encodeBase64url } from './base64url';

/** SubjectPublicKeyInfo DER of an uncompressed P-256 key, before the 65 bytes of its point. */
const p256SpkiPrefix = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
  0x42, 0x00,
]);

/** authenticatorData flags (WebAuthn Level 2, section 6.1). */
const userPresent = 0x01;
const userVerified = 0x04;
/** rpIdHash (32) + flags (1) + signCount (4). */
const minimumAuthenticatorData = 37;

export type AssertionCheck = { ok: true } | { ok: false; reason: string };

function fail(reason: string): AssertionCheck {
  return { ok: false, reason };
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

/** The 65-byte uncompressed point of a P-256 SubjectPublicKeyInfo (base64url DER), or null. */
export function p256PointOfSpki(spkiBase64url: string): Uint8Array | null {
  const der = decodeBase64url(spkiBase64url);
  if (der === null || der.length !== p256SpkiPrefix.length + 65 || !sameBytes(der.subarray(0, p256SpkiPrefix.length), p256SpkiPrefix)) return null;
  return der.subarray(p256SpkiPrefix.length);
}

/** The SubjectPublicKeyInfo DER (base64url) of an uncompressed P-256 point. */
export function p256SpkiOfPoint(point: Uint8Array): string {
  const der = new Uint8Array(p256SpkiPrefix.length + point.length);
  der.set(p256SpkiPrefix);
  der.set(point, p256SpkiPrefix.length);
  return encodeBase64url(der);
}

/** The WebAuthn challenge for a canonical approval challenge: base64url(SHA-256(UTF-8 string)). */
export function webauthnChallengeOf(challenge: string): string {
  return encodeBase64url(sha256(new TextEncoder().encode(challenge)));
}

/** What the client data must say: the ceremony type, the challenge and an allowed origin (origins null: not checked here). */
export function clientDataProblem(clientDataJSON: Uint8Array, type: 'webauthn.get' | 'webauthn.create', challenge: string, origins: readonly string[] | null): string | null {
  let clientData: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(clientDataJSON));
    if (typeof parsed !== 'object' || parsed === null) return 'clientDataJSON is not a JSON object';
    clientData = parsed as Record<string, unknown>;
  } catch {
    return 'clientDataJSON is not UTF-8 JSON';
  }
  if (clientData.type !== type) return `clientDataJSON.type is ${JSON.stringify(clientData.type)}, not ${type}`;
  if (clientData.challenge !== challenge) return 'clientDataJSON.challenge is not the challenge asked for: the security key signed another challenge';
  if (origins !== null && (typeof clientData.origin !== 'string' || !origins.includes(clientData.origin))) {
    return `origin ${JSON.stringify(clientData.origin)} is not among the allowed origins (${origins.join(', ') || 'none configured'})`;
  }
  // An embedding page on another origin is not where approvals are made.
  if (clientData.crossOrigin === true) return 'clientDataJSON says crossOrigin: the ceremony ran in a frame of another origin';
  return null;
}

/** What the authenticator data must say: this RP id, the user present and verified (the PIN). */
export function authenticatorDataProblem(authenticatorData: Uint8Array, rpId: string): string | null {
  if (authenticatorData.length < minimumAuthenticatorData) return `authenticatorData is ${authenticatorData.length} bytes, shorter than ${minimumAuthenticatorData}`;
  if (!sameBytes(authenticatorData.subarray(0, 32), sha256(new TextEncoder().encode(rpId)))) return `authenticatorData's rpIdHash is not SHA-256 of the RP id ${rpId}`;
  const flags = authenticatorData[32] ?? 0;
  if ((flags & userPresent) === 0) return 'authenticatorData lacks the user-present flag (UP)';
  if ((flags & userVerified) === 0) return 'authenticatorData lacks the user-verified flag (UV): the security key must verify its PIN or biometric';
  return null;
}

/**
 * Whether an assertion answers this challenge at all (type and challenge of its client data), the
 * part of the check that needs neither the credential nor the relying party.
 */
export function assertionChallengeProblem(assertion: WebAuthnAssertion, challenge: string): string | null {
  const clientDataJSON = decodeBase64url(assertion.clientDataJSON);
  if (clientDataJSON === null) return 'clientDataJSON is not base64url';
  return clientDataProblem(clientDataJSON, 'webauthn.get', webauthnChallengeOf(challenge), null);
}

export interface AssertionToVerify {
  assertion: WebAuthnAssertion;
  /** The credential's P-256 SubjectPublicKeyInfo, base64url DER. */
  publicKey: string;
  /** The canonical approval challenge string (challenge.ts), whose SHA-256 the browser passed as the WebAuthn challenge. */
  challenge: string;
  relyingParty: WebAuthnRelyingParty;
}

/**
 * Verifies a WebAuthn assertion (WebAuthn Level 2, section 7.2, the steps that need no stored
 * state). The signature counter is not checked: the workflows keep no per-credential state between
 * operations, and a confirmed key's signature over this operation's challenge is the proof asked.
 */
export function verifyWebAuthnAssertion({ assertion, publicKey, challenge, relyingParty }: AssertionToVerify): AssertionCheck {
  const authenticatorData = decodeBase64url(assertion.authenticatorData);
  const clientDataJSON = decodeBase64url(assertion.clientDataJSON);
  const signature = decodeBase64url(assertion.signature);
  if (authenticatorData === null) return fail('authenticatorData is not base64url');
  if (clientDataJSON === null) return fail('clientDataJSON is not base64url');
  if (signature === null) return fail('signature is not base64url');
  const point = p256PointOfSpki(publicKey);
  if (point === null) return fail('the credential’s registered public key is not a P-256 key');

  const clientData = clientDataProblem(clientDataJSON, 'webauthn.get', webauthnChallengeOf(challenge), relyingParty.origins);
  if (clientData !== null) return fail(clientData);
  const authenticator = authenticatorDataProblem(authenticatorData, relyingParty.rpId);
  if (authenticator !== null) return fail(authenticator);

  try {
    p256.Signature.fromBytes(signature, 'der');
  } catch {
    return fail('signature is not a DER-encoded ECDSA signature');
  }
  const signed = new Uint8Array(authenticatorData.length + 32);
  signed.set(authenticatorData);
  signed.set(sha256(clientDataJSON), authenticatorData.length);
  let valid = false;
  try {
    // prehash: ECDSA with SHA-256 over the signed bytes; lowS off: authenticators emit either S.
    valid = p256.verify(signature, signed, point, { prehash: true, lowS: false, format: 'der' });
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : fail('the ECDSA P-256 signature does not verify with the credential’s registered key');
}
