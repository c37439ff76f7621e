// Whether an approval counts, and what the approvals decide (DESIGN section 6): the one check the
// workflows run on every approval they receive and `keysync audit verify` runs again, offline, on
// every approval a history holds. Pure, so it runs in the workflow sandbox and is unit-tested
// without Temporal.
import type { Approval, ApprovalRecord, RefusalCode, WebAuthnAssertion, WebAuthnRelyingParty } from '../contract/approvals';
import type { ApproverConfig } from '../contract/cluster';
import type { ConfirmedCredential } from '../contract/credentials';
import { approvalChallenge, verifyEd25519 } from './challenge';
import { verifyWebAuthnAssertion } from './webauthn';

/** Everything an approval is checked against, fixed for one member of one operation. */
export interface ApprovalContext {
  workflowId: string;
  member: string;
  subject: string;
  requestedBy: string;
  approvers: readonly ApproverConfig[];
  /**
   * What a security key approval is checked against (DESIGN 14): the cluster's relying party and
   * the confirmed credentials. Absent or null relying party: the cluster takes none.
   */
  webauthn?: { relyingParty: WebAuthnRelyingParty | null; credentials: readonly ConfirmedCredential[] };
}

export type ApprovalCheck = { ok: true } | { ok: false; code: RefusalCode; message: string };

function refuse(code: RefusalCode, message: string): ApprovalCheck {
  return { ok: false, code, message };
}

function isAssertionShape(value: unknown): value is WebAuthnAssertion {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (['credentialId', 'authenticatorData', 'clientDataJSON', 'signature'] as const).every((field) => typeof candidate[field] === 'string');
}

/** An approval carries exactly one proof: an Ed25519 signature or a security key's assertion. */
type ShapedApproval = Approval & ({ signature: string; webauthn?: undefined } | { signature?: undefined; webauthn: WebAuthnAssertion });

function isApprovalShape(value: unknown): value is ShapedApproval {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const proof =
    (typeof candidate.signature === 'string' && candidate.webauthn === undefined) ||
    (candidate.signature === undefined && isAssertionShape(candidate.webauthn));
  return (
    typeof candidate.member === 'string' &&
    typeof candidate.approverId === 'string' &&
    (candidate.decision === 'approve' || candidate.decision === 'reject') &&
    proof
  );
}

/** The credential this security key approval names, if an admin confirmed it for this approver. */
export function confirmedCredentialOf(context: ApprovalContext, approverId: string, credentialId: string): ConfirmedCredential | undefined {
  return context.webauthn?.credentials.find((credential) => credential.approverId === approverId && credential.credentialId === credentialId);
}

/**
 * Decides whether an approval may count: the shape, the member, a registered approver who is not
 * the requester (four eyes) and has not decided yet (one count each), and a signature over this
 * operation's challenge. The messages name what was wrong and never echo the signature.
 */
export function checkApproval(context: ApprovalContext, approval: unknown, granted: readonly ApprovalRecord[]): ApprovalCheck {
  if (!isApprovalShape(approval)) {
    return refuse(
      'malformed',
      'an approval is {member, approverId, decision: "approve" | "reject"} with either signature (Ed25519, base64) or webauthn {credentialId, authenticatorData, clientDataJSON, signature} (base64url), not both',
    );
  }
  if (approval.member !== context.member) {
    return refuse(
      'wrong-member',
      `this operation awaits approvals for member ${context.member}, not ${approval.member}`,
    );
  }
  const approver = context.approvers.find((candidate) => candidate.id === approval.approverId);
  if (approver === undefined) {
    return refuse('unknown-approver', `${approval.approverId} is not a registered approver of this cluster`);
  }
  if (approval.approverId === context.requestedBy) {
    return refuse('requester', `${approval.approverId} requested this operation and cannot also approve it (four eyes)`);
  }
  if (granted.some((record) => record.approverId === approval.approverId)) {
    return refuse('duplicate', `${approval.approverId} has already decided on this operation; an approver counts once`);
  }
  const challenge = approvalChallenge({
    workflowId: context.workflowId,
    member: context.member,
    subject: context.subject,
    decision: approval.decision,
  });
  if (approval.webauthn !== undefined) return checkSecurityKey(context, approval.approverId, approval.webauthn, challenge);
  if (!verifyEd25519(approver.publicKey, challenge, approval.signature)) {
    return refuse(
      'bad-signature',
      `the signature does not verify with ${approval.approverId}'s registered key over ${challenge}: sign exactly that string with that key`,
    );
  }
  return { ok: true };
}

function checkSecurityKey(context: ApprovalContext, approverId: string, assertion: WebAuthnAssertion, challenge: string): ApprovalCheck {
  const relyingParty = context.webauthn?.relyingParty ?? null;
  if (relyingParty === null) {
    return refuse('unknown-credential', 'this cluster takes no security key approvals (no webauthn in its configuration): approve with your Ed25519 key');
  }
  const credential = confirmedCredentialOf(context, approverId, assertion.credentialId);
  if (credential === undefined) {
    return refuse(
      'unknown-credential',
      `security key credential ${assertion.credentialId} is not confirmed for ${approverId}: it is unknown, still awaits an admin's confirmation, or was revoked`,
    );
  }
  const verified = verifyWebAuthnAssertion({ assertion, publicKey: credential.publicKey, challenge, relyingParty });
  if (!verified.ok) {
    return refuse('bad-signature', `the security key approval does not verify over ${challenge}: ${verified.reason}`);
  }
  return { ok: true };
}

export type ApprovalOutcome = 'approved' | 'rejected' | 'pending';

/** M of N: one rejection decides at once; otherwise M approvals. */
export function approvalOutcome(required: number, granted: readonly ApprovalRecord[]): ApprovalOutcome {
  if (granted.some((record) => record.decision === 'reject')) return 'rejected';
  const approvals = granted.filter((record) => record.decision === 'approve').length;
  return approvals >= required ? 'approved' : 'pending';
}

/** How many registered approvers could still approve: M above this can never be met. */
export function eligibleApprovers(approvers: readonly ApproverConfig[], requestedBy: string): number {
  return approvers.filter((approver) => approver.id !== requestedBy).length;
}
