// What an approver signs and how its signature is checked (DESIGN section 6): the canonical
// challenge that binds an approval to one workflow, member, subject and decision, and Ed25519
// over it. Pure JavaScript (noble), so the same code runs in the workflow sandbox, the API and
// the CLI's offline audit.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Decision } from '../contract/approvals';
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
