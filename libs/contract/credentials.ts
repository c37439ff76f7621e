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

/**
 * Why the store refused a change: the ApplicationFailure type its update validators throw (before
 * anything enters the history) and the API's error code. A value never changes once released.
 */
export const credentialRefusalTypes = {
  /** Not the update's shape. */
  malformed: 'credential-malformed',
  /** This credential id is already registered (to this approver or another). */
  exists: 'credential-exists',
  /** No credential with this id is registered for this approver. */
  unknown: 'credential-unknown',
  /** Confirm: the credential is not pending (confirmed already, or revoked). Revoke: already revoked. */
  'wrong-state': 'credential-wrong-state',
  /** An admin may not confirm a credential of their own (four eyes). */
  'self-confirm': 'credential-self-confirm',
} as const;

export type CredentialRefusalType = (typeof credentialRefusalTypes)[keyof typeof credentialRefusalTypes];

const credentialRefusalTypeSet: ReadonlySet<string> = new Set(Object.values(credentialRefusalTypes));

export function isCredentialRefusalType(type: unknown): type is CredentialRefusalType {
  return typeof type === 'string' && credentialRefusalTypeSet.has(type);
}
