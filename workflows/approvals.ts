// Approvals, the PIN pad of DESIGN section 6: the canonical challenge, the Ed25519 check and the
// M-of-N policy. Pure (no workflow API, no Node built-ins) so it runs inside the workflow sandbox,
// in the API and the CLI alike, and is unit-tested without Temporal.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { ApproverConfig } from '../libs/config/types';
import type { Approval, ApprovalRecord, Decision, RefusalCode } from './types';
import { decodeBase64 } from './base64';

export const challengeFormat = 'keysync-approval/1';

export interface ChallengeFields {
  /** The workflow that receives the approval (a memberSync's id, or a join's). */
  workflowId: string;
  member: string;
  /** The package digest for a sync, the transport key fingerprint for a join. */
  subject: string;
  decision: Decision;
}

/** The exact string an approver signs: binds the approval to one operation, member and package. */
export function approvalChallenge(fields: ChallengeFields): string {
  for (const [name, value] of Object.entries(fields) as [keyof ChallengeFields, string][]) {
    if (value.length === 0 || value.includes('|')) {
      throw new Error(`approval challenge field ${name} must be non-empty and must not contain '|'`);
    }
  }
  return [challengeFormat, fields.workflowId, fields.member, fields.subject, fields.decision].join('|');
}

/** True when `signatureBase64` is a valid Ed25519 signature of `message` by `publicKeyBase64` (32 raw bytes). */
export function verifyEd25519(publicKeyBase64: string, message: string, signatureBase64: string): boolean {
  const publicKey = decodeBase64(publicKeyBase64);
  const signature = decodeBase64(signatureBase64);
  if (publicKey === null || publicKey.length !== 32 || signature === null || signature.length !== 64) {
    return false;
  }
  try {
    // zip215 off: the strict RFC 8032 rules, the same as OpenSSL and node:crypto apply.
    return ed25519.verify(signature, new TextEncoder().encode(message), publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Everything an approval is checked against, fixed for one member of one operation. */
export interface ApprovalContext {
  workflowId: string;
  member: string;
  subject: string;
  requestedBy: string;
  approvers: ApproverConfig[];
}

export type ApprovalCheck = { ok: true } | { ok: false; code: RefusalCode; message: string };

function refuse(code: RefusalCode, message: string): ApprovalCheck {
  return { ok: false, code, message };
}

function isApprovalShape(value: unknown): value is Approval {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.member === 'string' &&
    typeof candidate.approverId === 'string' &&
    (candidate.decision === 'approve' || candidate.decision === 'reject') &&
    typeof candidate.signature === 'string'
  );
}

/**
 * Decides whether an approval may count: the shape, the member, a registered approver who is not
 * the requester (four eyes) and has not decided yet (one count each), and a signature over this
 * operation's challenge. The messages name what was wrong and never echo the signature.
 */
export function checkApproval(context: ApprovalContext, approval: unknown, granted: readonly ApprovalRecord[]): ApprovalCheck {
  if (!isApprovalShape(approval)) {
    return refuse('malformed', 'an approval is {member, approverId, decision: "approve" | "reject", signature (base64)}');
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
  if (!verifyEd25519(approver.publicKey, challenge, approval.signature)) {
    return refuse(
      'bad-signature',
      `the signature of ${approval.approverId} does not verify over this operation's challenge ` +
        `(${challengeFormat}|${context.workflowId}|${context.member}|${context.subject}|${approval.decision}): ` +
        'sign exactly that string with the registered key',
    );
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
