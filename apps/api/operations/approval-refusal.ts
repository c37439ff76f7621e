// Maps the approve update's refusal (an ApplicationFailure typed in
// libs/contract/approval-refusal-types.ts) to the API's answer: the type is the code, the status
// says which kind of fix it takes, the message is the workflow's reason plus what to do.
import { HttpStatus } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { isApprovalRefusalType, type ApprovalRefusalType } from '../../../libs/contract/approval-refusal-types';
import { ApiError } from '../errors/api-error';

interface RefusalAnswer {
  status: HttpStatus;
  nextStep: string;
}

// 400: the request itself is wrong; sending it again never works, correcting it does.
// 403: a well-formed approval that does not carry this approver's authority: the signature is the
//      credential of the step, and four eyes forbid the requester (the same class as the API's own
//      not-a-registered-approver).
// 409: a valid approval that the operation's current state cannot take (already counted, nothing
//      awaits approval now, or the operation awaits another member: which members it has is its
//      state, as a sync answers nothing-to-approve for a member it does not sync): whether a retry
//      can help depends on the operation, not on the request.
const answers: Record<ApprovalRefusalType, RefusalAnswer> = {
  'approval-malformed': {
    status: HttpStatus.BAD_REQUEST,
    nextStep: 'Send {member, decision: "approve" | "reject"} with either signature (base64) or webauthn {credentialId, authenticatorData, clientDataJSON, signature} (base64url).',
  },
  'approval-wrong-member': {
    status: HttpStatus.CONFLICT,
    nextStep: 'Name the member whose step this operation awaits.',
  },
  'approval-bad-signature': {
    status: HttpStatus.FORBIDDEN,
    nextStep: 'Fetch the challenge again (GET .../approvals/{member}/challenge), sign exactly that string, ending in your decision, with your registered Ed25519 key (or your confirmed security key, over SHA-256 of that string), and send it once.',
  },
  'approval-unknown-credential': {
    status: HttpStatus.FORBIDDEN,
    nextStep:
      'Approve with a security key an admin has confirmed for you (GET /v1/clusters/{cluster}/approvers/credentials lists them; an admin confirms with POST .../credentials/{credentialId}/confirm), or with your Ed25519 key.',
  },
  'approval-unknown-approver': {
    status: HttpStatus.FORBIDDEN,
    nextStep: 'The operation checks approvers as registered when it started: another registered approver must decide, or start a new operation after an admin registers you.',
  },
  'approval-by-requester': {
    status: HttpStatus.FORBIDDEN,
    nextStep: 'Another registered approver must decide.',
  },
  'approval-duplicate': {
    status: HttpStatus.CONFLICT,
    nextStep: 'Your decision is already counted; the other approvers decide the rest.',
  },
  'approval-not-awaited': {
    status: HttpStatus.CONFLICT,
    nextStep: 'Retry when GET /v1/operations/{id} shows the member awaiting-approval; once the member has left that state there is nothing to approve.',
  },
};

/** The API error for an approval the workflow refused (the update's failure cause). */
export function approvalRefusalError(cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : 'the workflow gave no reason';
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  if (!isApprovalRefusalType(type)) {
    // A worker older than the typed refusals throws a plain error: still a refusal, without a code.
    return ApiError.conflict('approval-refused', `The approval was refused: ${reason}. Fetch the challenge again, sign it with your registered key, and send it once.`);
  }
  const { status, nextStep } = answers[type];
  return new ApiError(status, type, `The approval was refused: ${reason}. ${nextStep}`);
}
