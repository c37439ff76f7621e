// The browser's side of FIDO2 (DESIGN 14): registering a security key (navigator.credentials.create
// with the API's options) and signing an approval with it (navigator.credentials.get, whose
// challenge is the SHA-256 of the canonical approval challenge the API hands out). Every binary
// field travels as base64url.
import type { Schemas } from './api';

export function toBase64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const byte of view) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Why this browser cannot use a security key here, or null when it can. */
export function webauthnUnavailable(): string | null {
  if (!window.isSecureContext) return 'Security keys need a secure context: open the console over HTTPS, or at http://localhost.';
  if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) return 'This browser does not offer WebAuthn (security keys).';
  return null;
}

/** The registration options of POST .../credentials/options. */
export type RegistrationOptions = Schemas['RegistrationOptionsDto'];

export interface Registration {
  credentialId: string;
  clientDataJSON: string;
  attestationObject: string;
}

export async function createCredential(options: RegistrationOptions): Promise<Registration> {
  const credential = (await navigator.credentials.create({
    publicKey: {
      challenge: fromBase64url(options.challenge),
      rp: options.rp,
      user: { id: fromBase64url(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: options.pubKeyCredParams,
      authenticatorSelection: options.authenticatorSelection,
      attestation: options.attestation,
      timeout: options.timeout,
      excludeCredentials: options.excludeCredentials.map((entry) => ({ type: entry.type, id: fromBase64url(entry.id) })),
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error('The security key made no credential.');
  const response = credential.response as AuthenticatorAttestationResponse;
  return { credentialId: toBase64url(credential.rawId), clientDataJSON: toBase64url(response.clientDataJSON), attestationObject: toBase64url(response.attestationObject) };
}

export interface Assertion {
  credentialId: string;
  authenticatorData: string;
  clientDataJSON: string;
  signature: string;
}

/** Signs the canonical challenge string (section 6) with one of the approver's confirmed credentials, user verification required. */
export async function signChallenge(challenge: string, credentialIds: string[]): Promise<Assertion> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(challenge));
  const credential = (await navigator.credentials.get({
    publicKey: {
      challenge: digest,
      allowCredentials: credentialIds.map((id) => ({ type: 'public-key', id: fromBase64url(id) })),
      userVerification: 'required',
      timeout: 120_000,
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error('The security key gave no signature.');
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    credentialId: toBase64url(credential.rawId),
    authenticatorData: toBase64url(response.authenticatorData),
    clientDataJSON: toBase64url(response.clientDataJSON),
    signature: toBase64url(response.signature),
  };
}
