// The vocabulary of approvals, the PIN pad of DESIGN section 6: what an approver sends, what a
// workflow records and shows. The rules that check an approval are in libs/approvals.
import type { ApprovalRefusalCode } from './approval-refusal-types';

export const decisions = ['approve', 'reject'] as const;
export type Decision = (typeof decisions)[number];

/** How an accepted approval arrived: by update, by signal (the Temporal UI), or from the join that covers a sync. */
export const approvalVias = ['update', 'signal', 'join'] as const;
export type ApprovalVia = (typeof approvalVias)[number];

/**
 * A FIDO2 security key's answer to navigator.credentials.get (DESIGN 14), base64url each field, whose
 * WebAuthn challenge is SHA-256 of the operation's canonical challenge string.
 */
export interface WebAuthnAssertion {
  credentialId: string;
  authenticatorData: string;
  clientDataJSON: string;
  /** ECDSA P-256 signature, DER, as the authenticator returns it. */
  signature: string;
}

/** Who a WebAuthn ceremony is for: the cluster's RP id and the origins a browser may run it on (configuration `webauthn`). */
export interface WebAuthnRelyingParty {
  rpId: string;
  origins: string[];
}

/**
 * What an approver sends, by the API, the CLI or the Temporal UI (DESIGN sections 6 and 14):
 * exactly one of an Ed25519 `signature` and a security key's `webauthn` assertion.
 */
export interface Approval {
  member: string;
  approverId: string;
  decision: Decision;
  /** Ed25519 signature (64 bytes, base64) over the operation's canonical challenge. */
  signature?: string;
  /** A confirmed FIDO2 credential's assertion over SHA-256 of the canonical challenge. */
  webauthn?: WebAuthnAssertion;
}

/** An approval the workflow accepted. */
export interface ApprovalRecord {
  approverId: string;
  decision: Decision;
  /** Workflow time, ISO 8601. */
  at: string;
  via: ApprovalVia;
}

/** Why an approval was refused (approval-refusal-types.ts gives each its failure type). */
export type RefusalCode = ApprovalRefusalCode;

/** An approval the workflow refused (only signals leave this trace: an update is refused before history). */
export interface RefusedApproval {
  approverId: string;
  member: string;
  decision: Decision;
  code: RefusalCode;
  message: string;
  at: string;
}

/** Approvals of one member in one operation, as a query shows them. */
export interface ApprovalStatus {
  required: number;
  granted: ApprovalRecord[];
  refused: RefusedApproval[];
  /** When the wait ends in approval-timeout, ISO 8601; absent when nothing is awaited. */
  deadline?: string;
  /** Set when another operation's approvals cover this one (a join covers its key sync). */
  coveredBy?: string;
}

/** Approvals given by another operation that cover this one (a join's approvals cover its key sync). */
export interface PreApproval {
  member: string;
  operationId: string;
  approvals: ApprovalRecord[];
}

export interface ChallengeAnswer {
  /** The string to sign for decision approve; a rejection signs it with `reject` in place of `approve`. */
  challenge: string;
}

/** What an accepted approval update answers. */
export interface ApprovalAccepted {
  member: string;
  approverId: string;
  decision: Decision;
  approvals: ApprovalStatus;
}
