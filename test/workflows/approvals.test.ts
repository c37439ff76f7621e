import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../libs/approvals/base64';
import { approvalChallenge, verifyEd25519 } from '../../libs/approvals/challenge';
import { approvalOutcome, checkApproval } from '../../libs/approvals/check-approval';
import type { ApprovalContext } from '../../libs/approvals/check-approval';
import type { ApprovalRecord } from '../../libs/contract/approvals';
import { makeApprover, signApproval, signText } from './support/approvers';

const alice = makeApprover('approver-1');
const bob = makeApprover('approver-2');
const carol = makeApprover('approver-3');
const outsider = makeApprover('approver-9');
const target = { workflowId: 'sync:demo:s1:node2', member: 'node2', subject: 'ab'.repeat(32) };
const context: ApprovalContext = { ...target, requestedBy: 'approver-3', approvers: [alice.config, bob.config, carol.config] };
const record = (approverId: string, decision: ApprovalRecord['decision'] = 'approve'): ApprovalRecord => ({ approverId, decision, at: '2025-01-01T00:00:00.000Z', via: 'update' });

describe('approval challenge', () => {
  it('is the canonical keysync-approval/1 string bound to workflow, member, subject and decision', () => {
    expect(approvalChallenge({ ...target, decision: 'approve' })).toBe(`keysync-approval/1|sync:demo:s1:node2|node2|${'ab'.repeat(32)}|approve`);
    expect(approvalChallenge({ ...target, decision: 'reject' })).toMatch(/\|reject$/);
  });

  it('refuses a field that would make the string ambiguous', () => {
    expect(() => approvalChallenge({ ...target, member: 'node|2', decision: 'approve' })).toThrow(/must not contain '\|'/);
  });
});

describe('Ed25519 verification (noble, checked against node:crypto signatures)', () => {
  it('accepts a signature node:crypto made over the same text', () => {
    expect(verifyEd25519(alice.config.publicKey, 'hello', signText(alice, 'hello'))).toBe(true);
  });

  it('refuses another text, another key, a flipped bit and malformed base64', () => {
    const signature = signText(alice, 'hello');
    expect(verifyEd25519(alice.config.publicKey, 'hellO', signature)).toBe(false);
    expect(verifyEd25519(bob.config.publicKey, 'hello', signature)).toBe(false);
    const flipped = Buffer.from(signature, 'base64');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifyEd25519(alice.config.publicKey, 'hello', flipped.toString('base64'))).toBe(false);
    expect(verifyEd25519(alice.config.publicKey, 'hello', 'not base64!')).toBe(false);
    expect(verifyEd25519('AAAA', 'hello', signature)).toBe(false);
  });
});

describe('checkApproval', () => {
  it('accepts a registered approver who signed this operation', () => {
    expect(checkApproval(context, signApproval(alice, target), [])).toEqual({ ok: true });
    expect(checkApproval(context, signApproval(alice, target, 'reject'), [])).toEqual({ ok: true });
  });

  it('refuses a forged signature (signed by someone else under an approver id)', () => {
    const forged = { ...signApproval(outsider, target), approverId: 'approver-1' };
    expect(checkApproval(context, forged, [])).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses an unknown approver', () => {
    expect(checkApproval(context, signApproval(outsider, target), [])).toMatchObject({ ok: false, code: 'unknown-approver' });
  });

  it('refuses the requester (four eyes)', () => {
    expect(checkApproval(context, signApproval(carol, target), [])).toMatchObject({ ok: false, code: 'requester' });
  });

  it('refuses a second decision by the same approver', () => {
    expect(checkApproval(context, signApproval(alice, target), [record('approver-1')])).toMatchObject({ ok: false, code: 'duplicate' });
  });

  it('refuses a signature for another package, another operation or another member', () => {
    expect(checkApproval(context, signApproval(alice, { ...target, subject: 'cd'.repeat(32) }), [])).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(checkApproval(context, signApproval(alice, { ...target, workflowId: 'sync:demo:s2:node2' }), [])).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(checkApproval(context, signApproval(alice, { ...target, member: 'node3' }), [])).toMatchObject({ ok: false, code: 'wrong-member' });
  });

  it('refuses a decision whose signature covers the other decision', () => {
    const approval = signApproval(alice, target, 'approve');
    expect(checkApproval(context, { ...approval, decision: 'reject' }, [])).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses a malformed payload and never echoes the signature', () => {
    expect(checkApproval(context, { member: 'node2' }, [])).toMatchObject({ ok: false, code: 'malformed' });
    const forged = { ...signApproval(outsider, target), approverId: 'approver-1' };
    const check = checkApproval(context, forged, []);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).not.toContain(forged.signature);
  });
});

describe('approvalOutcome', () => {
  it('waits until M approvals, then approves', () => {
    expect(approvalOutcome(2, [])).toBe('pending');
    expect(approvalOutcome(2, [record('approver-1')])).toBe('pending');
    expect(approvalOutcome(2, [record('approver-1'), record('approver-2')])).toBe('approved');
  });

  it('is rejected by a single rejection, whatever the approvals', () => {
    expect(approvalOutcome(2, [record('approver-1'), record('approver-2', 'reject')])).toBe('rejected');
  });

  it('approves at once when the policy asks for none', () => {
    expect(approvalOutcome(0, [])).toBe('approved');
  });
});

describe('decodeBase64', () => {
  it('decodes what Buffer encodes, for every length', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, index) => (index * 37 + length) & 0xff));
      expect(Buffer.from(decodeBase64(bytes.toString('base64')) ?? [])).toEqual(bytes);
    }
  });

  it('refuses bad characters, bad length and non-canonical padding bits', () => {
    expect(decodeBase64('ab$d')).toBeNull();
    expect(decodeBase64('abc')).toBeNull();
    expect(decodeBase64('QR==')).toBeNull();
    expect(decodeBase64('QQ==')).toEqual(new Uint8Array([0x41]));
  });
});
