// Security key approvals (DESIGN 14), pure logic: assertions made by a node:crypto P-256 key (the
// authenticator's side) checked by the sandbox's noble verifier, genuine and tampered.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../../libs/approvals/base64url';
import { checkApproval } from '../../libs/approvals/check-approval';
import type { ApprovalContext } from '../../libs/approvals/check-approval';
import { verifyWebAuthnAssertion, webauthnChallengeOf } from '../../libs/approvals/webauthn';
import { approvalChallenge } from '../../libs/approvals/challenge';
import type { WebAuthnAssertion } from '../../libs/contract/approvals';
import { assertChallenge, flags, makeSecurityKey, securityKeyApproval } from '../support/security-key';
import { makeApprover } from './support/approvers';

const rpId = 'keysync.example';
const origin = 'https://keysync.example:8443';
const relyingParty = { rpId, origins: [origin] };
const ceremony = { rpId, origin };
const alice = makeApprover('approver-1');
const bob = makeApprover('approver-2');
const aliceKey = makeSecurityKey('approver-1');
const bobKey = makeSecurityKey('approver-2');
const target = { workflowId: 'sync:demo:s1:node2', member: 'node2', subject: 'ab'.repeat(32) };
const challenge = approvalChallenge({ ...target, decision: 'approve' });
const context: ApprovalContext = {
  ...target,
  requestedBy: 'approver-3',
  approvers: [alice.config, bob.config],
  webauthn: {
    relyingParty,
    credentials: [
      { approverId: 'approver-1', credentialId: aliceKey.credentialId, publicKey: aliceKey.publicKey },
      { approverId: 'approver-2', credentialId: bobKey.credentialId, publicKey: bobKey.publicKey },
    ],
  },
};

const verify = (assertion: WebAuthnAssertion, publicKey = aliceKey.publicKey) => verifyWebAuthnAssertion({ assertion, publicKey, challenge, relyingParty });
/** Why the assertion was refused ('verified' when it was not). */
const refusal = (assertion: WebAuthnAssertion, publicKey = aliceKey.publicKey): string => {
  const check = verify(assertion, publicKey);
  return check.ok ? 'verified' : check.reason;
};
const webauthnChallenge = webauthnChallengeOf(challenge);

describe('base64url', () => {
  it('round-trips every length and refuses padding, the standard alphabet and non-canonical text', () => {
    for (let length = 0; length < 7; length += 1) {
      const bytes = Uint8Array.from({ length }, (_, index) => 250 - index * 13);
      const text = encodeBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(decodeBase64url(text)).toEqual(bytes);
    }
    expect(decodeBase64url('AQ==')).toBeNull();
    expect(decodeBase64url('a+b/')).toBeNull();
    expect(decodeBase64url('AR')).toBeNull(); // 'AQ' is the canonical form of 0x01
    expect(decodeBase64url('A')).toBeNull();
  });
});

describe('WebAuthn assertion verification', () => {
  it('the challenge is base64url(SHA-256(canonical challenge string))', () => {
    expect(webauthnChallenge).toBe(createHash('sha256').update(challenge, 'utf8').digest('base64url'));
  });

  it('accepts an assertion a P-256 authenticator made over this challenge', () => {
    expect(verify(assertChallenge(aliceKey, webauthnChallenge, ceremony))).toEqual({ ok: true });
  });

  it('refuses another challenge, a create ceremony, another origin, a cross-origin frame', () => {
    const other = webauthnChallengeOf(approvalChallenge({ ...target, workflowId: 'sync:demo:s2:node2', decision: 'approve' }));
    expect(refusal(assertChallenge(aliceKey, other, ceremony))).toMatch(/challenge is not the challenge asked for/);
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, type: 'webauthn.create' }))).toMatch(/type is "webauthn.create"/);
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, origin: 'https://evil.example' }))).toMatch(/origin "https:\/\/evil.example" is not among/);
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, crossOrigin: true }))).toMatch(/crossOrigin/);
  });

  it('refuses another RP id, a missing UV flag, a missing UP flag', () => {
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, rpId: 'evil.example' }))).toMatch(/rpIdHash/);
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, flags: flags.up }))).toMatch(/user-verified flag \(UV\)/);
    expect(refusal(assertChallenge(aliceKey, webauthnChallenge, { ...ceremony, flags: flags.uv }))).toMatch(/user-present flag \(UP\)/);
  });

  it('refuses another key, a tampered authenticator data or client data, bad DER and bad base64url', () => {
    const good = assertChallenge(aliceKey, webauthnChallenge, ceremony);
    expect(refusal(good, bobKey.publicKey)).toMatch(/does not verify/);
    const counter = Buffer.from(good.authenticatorData, 'base64url');
    counter[36] = (counter[36] ?? 0) ^ 1;
    expect(refusal({ ...good, authenticatorData: counter.toString('base64url') })).toMatch(/does not verify/);
    const client = JSON.parse(Buffer.from(good.clientDataJSON, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reordered = Buffer.from(JSON.stringify({ origin: client.origin, challenge: client.challenge, type: client.type }), 'utf8');
    expect(refusal({ ...good, clientDataJSON: reordered.toString('base64url') })).toMatch(/does not verify/);
    const der = Buffer.from(good.signature, 'base64url');
    der[0] = 0x31;
    expect(refusal({ ...good, signature: der.toString('base64url') })).toBe('signature is not a DER-encoded ECDSA signature');
    expect(refusal({ ...good, signature: 'not base64url!' })).toBe('signature is not base64url');
    expect(refusal(good, 'AAAA')).toMatch(/not a P-256 key/);
  });
});

describe('checkApproval with a security key', () => {
  it('counts a confirmed credential’s approval and rejection', () => {
    expect(checkApproval(context, securityKeyApproval(aliceKey, target, ceremony), [])).toEqual({ ok: true });
    expect(checkApproval(context, securityKeyApproval(aliceKey, target, ceremony, 'reject'), [])).toEqual({ ok: true });
  });

  it('refuses a credential not confirmed for that approver as unknown-credential', () => {
    const stranger = makeSecurityKey('approver-1');
    expect(checkApproval(context, securityKeyApproval(stranger, target, ceremony), [])).toMatchObject({ ok: false, code: 'unknown-credential' });
    // Bob's confirmed credential does not speak for Alice.
    const borrowed = { ...securityKeyApproval(bobKey, target, ceremony), approverId: 'approver-1' };
    expect(checkApproval(context, borrowed, [])).toMatchObject({ ok: false, code: 'unknown-credential' });
    expect(checkApproval({ ...context, webauthn: undefined }, securityKeyApproval(aliceKey, target, ceremony), [])).toMatchObject({ ok: false, code: 'unknown-credential' });
  });

  it('refuses an assertion for another operation or decision as bad-signature, without echoing the signature', () => {
    const other = securityKeyApproval(aliceKey, { ...target, subject: 'cd'.repeat(32) }, ceremony);
    const check = checkApproval(context, other, []);
    expect(check).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(JSON.stringify(check)).not.toContain(other.webauthn?.signature);
    const flipped = { ...securityKeyApproval(aliceKey, target, ceremony), decision: 'reject' as const };
    expect(checkApproval(context, flipped, [])).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('keeps four eyes and one count per approver, whatever proves the approval', () => {
    const requesterContext = { ...context, requestedBy: 'approver-1' };
    expect(checkApproval(requesterContext, securityKeyApproval(aliceKey, target, ceremony), [])).toMatchObject({ ok: false, code: 'requester' });
    const granted = [{ approverId: 'approver-1', decision: 'approve' as const, at: '2026-01-01T00:00:00.000Z', via: 'update' as const }];
    expect(checkApproval(context, securityKeyApproval(aliceKey, target, ceremony), granted)).toMatchObject({ ok: false, code: 'duplicate' });
  });

  it('refuses an approval carrying both proofs, or a webauthn object missing a field, as malformed', () => {
    const both = { ...securityKeyApproval(aliceKey, target, ceremony), signature: 'AAAA' };
    expect(checkApproval(context, both, [])).toMatchObject({ ok: false, code: 'malformed' });
    const partial = securityKeyApproval(aliceKey, target, ceremony);
    expect(checkApproval(context, { ...partial, webauthn: { ...partial.webauthn, signature: undefined } }, [])).toMatchObject({ ok: false, code: 'malformed' });
  });
});
