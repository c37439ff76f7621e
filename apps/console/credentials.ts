// The security key routes of DESIGN 14 (the shared WebAuthn contract): an approver registers a
// credential for itself, an admin confirms it, and only a confirmed one signs approvals.
import type { Session } from './session';
import type { Assertion, Registration, RegistrationOptions } from './webauthn';

export interface Credential {
  credentialId: string;
  approverId: string;
  name?: string;
  state: 'pending' | 'confirmed' | 'revoked';
  registeredAt: string;
  confirmedBy?: string;
  confirmedAt?: string;
}

const base = (session: Session) => `/v1/clusters/${encodeURIComponent(session.cluster)}/approvers`;

export async function listCredentials(session: Session): Promise<Credential[]> {
  return (await session.call<{ credentials: Credential[] }>('GET', `${base(session)}/credentials`)).credentials;
}

export function registrationOptions(session: Session): Promise<RegistrationOptions> {
  return session.call('POST', `${base(session)}/${encodeURIComponent(session.principal.id)}/credentials/options`, {});
}

export function registerCredential(session: Session, registration: Registration, name: string): Promise<Credential> {
  return session.call('POST', `${base(session)}/${encodeURIComponent(session.principal.id)}/credentials`, { ...registration, ...(name ? { name } : {}) });
}

export function confirmCredential(session: Session, credential: Credential): Promise<Credential> {
  return session.call('POST', `${base(session)}/${encodeURIComponent(credential.approverId)}/credentials/${encodeURIComponent(credential.credentialId)}/confirm`, {});
}

/** The API takes the approver from the token's principal, as for a key-file signature. */
export function approveWithSecurityKey(session: Session, operationId: string, member: string, decision: 'approve' | 'reject', webauthn: Assertion): Promise<unknown> {
  return session.call('POST', `/v1/operations/${encodeURIComponent(operationId)}/approvals`, { member, decision, webauthn });
}
