// The security key routes of DESIGN 14: an approver registers a credential for itself, an admin
// confirms it, and only a confirmed one signs approvals.
import { answer, type Schemas } from './api';
import type { Session } from './session';
import type { Assertion, Registration, RegistrationOptions } from './webauthn';

export type Credential = Schemas['CredentialDto'];

export async function listCredentials(session: Session): Promise<Credential[]> {
  return (await answer(session.api.GET('/v1/clusters/{cluster}/approvers/credentials', { params: { path: { cluster: session.cluster } } }))).credentials;
}

export function registrationOptions(session: Session): Promise<RegistrationOptions> {
  return answer(session.api.POST('/v1/clusters/{cluster}/approvers/{approverId}/credentials/options', { params: { path: { cluster: session.cluster, approverId: session.principal.id } } }));
}

export function registerCredential(session: Session, registration: Registration, name: string): Promise<Credential> {
  return answer(
    session.api.POST('/v1/clusters/{cluster}/approvers/{approverId}/credentials', {
      params: { path: { cluster: session.cluster, approverId: session.principal.id } },
      body: { ...registration, ...(name ? { name } : {}) },
    }),
  );
}

export function confirmCredential(session: Session, credential: Credential): Promise<Credential> {
  return answer(
    session.api.POST('/v1/clusters/{cluster}/approvers/{approverId}/credentials/{credentialId}/confirm', {
      params: { path: { cluster: session.cluster, approverId: credential.approverId, credentialId: credential.credentialId } },
    }),
  );
}

/** The API takes the approver from the token's principal, as for a key-file signature. */
export function approveWithSecurityKey(session: Session, operationId: string, member: string, decision: 'approve' | 'reject', webauthn: Assertion): Promise<Schemas['ApprovalAcceptedDto']> {
  return answer(session.api.POST('/v1/operations/{operationId}/approvals', { params: { path: { operationId } }, body: { member, decision, webauthn } }));
}
