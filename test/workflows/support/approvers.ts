// Real Ed25519 approvers made with node:crypto, and the signed approvals they would send.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ApproverConfig } from '../../../libs/config/types';
import { approvalChallenge } from '../../../libs/approvals/challenge';
import type { Approval, Decision } from '../../../libs/contract/approvals';

export interface TestApprover {
  config: ApproverConfig;
  privateKey: KeyObject;
}

export function makeApprover(id: string): TestApprover {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The SubjectPublicKeyInfo of an Ed25519 key ends with the 32 raw bytes the config registers.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { config: { id, publicKey: raw.toString('base64') }, privateKey };
}

export function signText(approver: TestApprover, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), approver.privateKey).toString('base64');
}

export interface ApprovalTarget {
  workflowId: string;
  member: string;
  subject: string;
}

/** An approval signed over the operation's canonical challenge, as the CLI or the API client makes it. */
export function signApproval(approver: TestApprover, target: ApprovalTarget, decision: Decision = 'approve'): Approval {
  const challenge = approvalChallenge({ ...target, decision });
  return { member: target.member, approverId: approver.config.id, decision, signature: signText(approver, challenge) };
}
