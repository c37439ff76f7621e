// The vocabulary of approvers' FIDO2 credentials (DESIGN 14): what the per-cluster credential store
// (workflow `approverCredentials`) records, what the API shows, and what an approval workflow checks
// a security key's approval against. Public facts only: a credential's public key is not secret;
// no PIN, no token and no private key ever reaches these records.
import type { WebAuthnRelyingParty } from './approvals';

export const credentialStates = ['pending', 'confirmed', 'revoked'] as const;
export type CredentialState = (typeof credentialStates)[number];

/** One approver's security key as the store records it. A pending or revoked one approves nothing. */
export interface Credential {
  /** The authenticator's credential id, base64url. */
  credentialId: string;
  approverId: string;
  name?: string;
  state: CredentialState;
  /** P-256 SubjectPublicKeyInfo DER, base64url (from the attested COSE key, alg -7). */
  publicKey: string;
  /** The RP id the registration was verified for. */
  rpId: string;
  /** Workflow time, ISO 8601. */
  registeredAt: string;
  /** The admin who confirmed it, and when. */
  confirmedBy?: string;
  confirmedAt?: string;
  revokedBy?: string;
  revokedAt?: string;
}

/** A registration the API has verified (attestation, challenge, origin, RP id, UV): recorded pending. */
export interface CredentialRegistration {
  approverId: string;
  credentialId: string;
  publicKey: string;
  rpId: string;
  name?: string;
}

/** An admin's confirmation or revocation of one credential. */
export interface CredentialDecision {
  approverId: string;
  credentialId: string;
  /** The admin's principal id. */
  by: string;
}

/** A credential an approval may be made with: confirmed by an admin, not revoked. */
export interface ConfirmedCredential {
  approverId: string;
  credentialId: string;
  publicKey: string;
}

/**
 * What an approval workflow checks security key approvals against (orchestrator activity
 * approverCredentials): the cluster's relying party from the worker's configuration (null: the
 * cluster takes no security key approvals) and the credentials confirmed in its store.
 */
export interface ApproverCredentials {
  relyingParty: WebAuthnRelyingParty | null;
  credentials: ConfirmedCredential[];
}

export interface CredentialStoreInput {
  cluster: string;
  /** Set only by the workflow itself when it continues as new: the records so far. */
  resume?: { credentials: Credential[] };
}

/** The confirmed, unrevoked credentials among these records. */
export function confirmedCredentials(records: readonly Credential[]): ConfirmedCredential[] {
  return records.filter((record) => record.state === 'confirmed').map(({ approverId, credentialId, publicKey }) => ({ approverId, credentialId, publicKey }));
}
