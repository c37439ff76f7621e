// Verifies a security key's registration (navigator.credentials.create's answer, DESIGN 14) and
// extracts its public key: client data type webauthn.create over the challenge the API issued, an
// allowed origin, the RP id hash, flags UP, UV and AT, attested credential data naming the same
// credential id, and a COSE EC2 key with alg -7 (ES256) on P-256.
//
// Attestation format `none` only, and no attestation statement is checked: the API asks for
// attestation 'none' (browsers then strip any vendor statement), and the trust anchor of a new
// credential is not a vendor certificate but the admin who confirms it (DESIGN 14: a credential
// counts only after that confirmation, recorded in the credential store's history). An admin
// confirms a credential for the approver they know registered it, from the list the API shows.
import { createPublicKey } from 'node:crypto';
import { decodeBase64url } from '../../../libs/approvals/base64url';
import { authenticatorDataProblem, clientDataProblem, p256SpkiOfPoint } from '../../../libs/approvals/webauthn';
import type { WebAuthnRelyingParty } from '../../../libs/contract/approvals';
import { CborError, decodeCbor, decodeCborPrefix } from './cbor';
import type { CborValue } from './cbor';

/** A registration the API refuses: the reason names what was wrong, never a key or a signature. */
export class RegistrationProblem extends Error {}

export interface RegistrationResponse {
  credentialId: string;
  clientDataJSON: string;
  attestationObject: string;
}

/** authenticatorData flag: attested credential data included. */
const attestedCredentialData = 0x40;
/** rpIdHash (32) + flags (1) + signCount (4) + AAGUID (16) + credential id length (2). */
const attestedHeaderLength = 55;

function bytesOf(text: string, field: string): Uint8Array {
  const bytes = decodeBase64url(text);
  if (bytes === null) throw new RegistrationProblem(`${field} is not base64url (RFC 4648 section 5, without padding)`);
  return bytes;
}

function mapOf(value: CborValue, what: string): Map<number | string, CborValue> {
  if (!(value instanceof Map)) throw new RegistrationProblem(`${what} is not a CBOR map`);
  return value;
}

/** The credential's P-256 key, as SubjectPublicKeyInfo DER in base64url, from its COSE_Key (RFC 9053). */
function spkiOfCoseKey(coseKey: Map<number | string, CborValue>): string {
  const [kty, alg, crv, x, y] = [coseKey.get(1), coseKey.get(3), coseKey.get(-1), coseKey.get(-2), coseKey.get(-3)];
  if (alg !== -7) throw new RegistrationProblem(`the credential's key algorithm is ${JSON.stringify(alg)}, not -7 (ES256): register a key that offers ES256`);
  if (kty !== 2 || crv !== 1) throw new RegistrationProblem('the credential\'s key is not an EC2 key on P-256 (COSE kty 2, crv 1)');
  if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== 32 || y.length !== 32) {
    throw new RegistrationProblem('the credential\'s key coordinates are not 32 bytes each');
  }
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  const spki = p256SpkiOfPoint(point);
  // node:crypto refuses a point that is not on the curve.
  try {
    createPublicKey({ key: Buffer.from(spki, 'base64url'), format: 'der', type: 'spki' });
  } catch {
    throw new RegistrationProblem('the credential\'s key is not a point on P-256');
  }
  return spki;
}

/**
 * Checks the registration against the challenge the API issued (base64url) and the cluster's
 * relying party; the credential's public key (SPKI DER, base64url) when it passes.
 */
export function verifyRegistration(response: RegistrationResponse, challenge: string, relyingParty: WebAuthnRelyingParty): { publicKey: string } {
  const credentialId = bytesOf(response.credentialId, 'credentialId');
  const clientDataJSON = bytesOf(response.clientDataJSON, 'clientDataJSON');
  const attestationObject = bytesOf(response.attestationObject, 'attestationObject');

  const clientData = clientDataProblem(clientDataJSON, 'webauthn.create', challenge, relyingParty.origins);
  if (clientData !== null) throw new RegistrationProblem(clientData);

  let attestation: Map<number | string, CborValue>;
  try {
    attestation = mapOf(decodeCbor(attestationObject), 'attestationObject');
  } catch (error) {
    if (error instanceof CborError) throw new RegistrationProblem(`attestationObject is not valid CBOR: ${error.message}`);
    throw error;
  }
  const fmt = attestation.get('fmt');
  if (fmt !== 'none') throw new RegistrationProblem(`attestation format ${JSON.stringify(fmt)} is not accepted: ask for attestation 'none', as the options do`);
  const authData = attestation.get('authData');
  if (!(authData instanceof Uint8Array)) throw new RegistrationProblem('attestationObject has no authData bytes');

  const authenticator = authenticatorDataProblem(authData, relyingParty.rpId);
  if (authenticator !== null) throw new RegistrationProblem(authenticator);
  if (((authData[32] ?? 0) & attestedCredentialData) === 0 || authData.length < attestedHeaderLength) {
    throw new RegistrationProblem('authData carries no attested credential data (flag AT)');
  }
  const idLength = ((authData[53] ?? 0) << 8) | (authData[54] ?? 0);
  const attestedId = authData.subarray(attestedHeaderLength, attestedHeaderLength + idLength);
  if (attestedId.length !== idLength || !Buffer.from(attestedId).equals(Buffer.from(credentialId))) {
    throw new RegistrationProblem('the credential id in authData is not the credentialId sent');
  }
  let coseKey: CborValue;
  try {
    coseKey = decodeCborPrefix(authData.subarray(attestedHeaderLength + idLength)).value;
  } catch (error) {
    if (error instanceof CborError) throw new RegistrationProblem(`the credential's COSE key is not valid CBOR: ${error.message}`);
    throw error;
  }
  return { publicKey: spkiOfCoseKey(mapOf(coseKey, 'the credential\'s public key')) };
}
