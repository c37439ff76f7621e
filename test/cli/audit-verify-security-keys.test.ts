// The offline audit's rules for security key approvals (DESIGN 14), pure logic on history facts
// built here: an approval counts only with a credential the store's history shows confirmed by an
// admin before it and not revoked by then; the store's changes are judged again (a second
// registration of an id, a self-confirmation confer nothing). Assertions come from a node:crypto
// P-256 authenticator.
import { describe, expect, it } from 'vitest';
import { checkApprovals, credentialsOf } from '../../apps/cli/audit-verify';
import type { TrustedApprovers } from '../../apps/cli/audit-verify';
import type { CredentialChange, HistoryFacts } from '../../apps/cli/history-events';
import { approvalChallenge } from '../../libs/approvals/challenge';
import { approveWithSecurityKey, makeSecurityKey } from '../support/security-key';
import { makeApprover } from '../workflows/support/approvers';

const cluster = 'c1';
const workflowId = `sync:${cluster}:s1:node2`;
const digest = 'ab'.repeat(32);
const ceremony = { rpId: 'keysync.example', origin: 'https://keysync.example' };
const alice = makeApprover('alice');
const key = makeSecurityKey('alice');
const trusted: TrustedApprovers = { source: 'test', keys: new Map([['alice', alice.config.publicKey]]) };
const challenge = approvalChallenge({ workflowId, member: 'node2', subject: digest, decision: 'approve' });

const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.123456Z`;
const change = (update: string, minute: number, payload: unknown): CredentialChange => ({ eventId: String(minute), eventTime: at(minute), update, payload, failed: false });
const register = (minute: number, approverId = 'alice') => change('register-credential', minute, { approverId, credentialId: key.credentialId, publicKey: key.publicKey, rpId: ceremony.rpId });
const confirm = (minute: number, by = 'admin') => change('confirm-credential', minute, { approverId: 'alice', credentialId: key.credentialId, by });
const revoke = (minute: number) => change('revoke-credential', minute, { approverId: 'alice', credentialId: key.credentialId, by: 'admin' });

function facts(partial: Partial<HistoryFacts>): HistoryFacts {
  return { workflowId: null, workflowType: null, input: undefined, approvals: [], credentialChanges: [], activityResults: [], result: undefined, closed: null, ...partial };
}

const store = (...changes: CredentialChange[]) => facts({ workflowType: 'approverCredentials', input: { cluster }, credentialChanges: changes });

function memberSync(minute: number, origins = [ceremony.origin]): HistoryFacts {
  return facts({
    workflowId,
    workflowType: 'memberSync',
    input: { member: 'node2', requestedBy: 'operator', package: { digest }, approvers: [alice.config] },
    approvals: [{ eventId: '9', eventTime: at(minute), via: 'update', payload: approveWithSecurityKey(key, challenge, 'node2', ceremony) }],
    activityResults: [{ activityType: 'approverCredentials', result: { relyingParty: { rpId: ceremony.rpId, origins }, credentials: [] } }],
  });
}

const verdict = (history: HistoryFacts, ...changes: CredentialChange[]) => {
  const checked = checkApprovals(workflowId, history, trusted, credentialsOf([store(...changes)]));
  return { verdict: checked.approvals[0]?.verdict, problems: checked.problems.join('\n') };
};

describe('security key approvals in keysync audit verify', () => {
  it('are valid with a credential confirmed by an admin before the approval', () => {
    expect(verdict(memberSync(5), register(1), confirm(2))).toEqual({ verdict: 'valid', problems: '' });
  });

  it('are invalid before the confirmation, after a revocation, or with no store history at all', () => {
    expect(verdict(memberSync(5), register(1), confirm(6)).problems).toMatch(/was not confirmed for alice by an admin before/);
    expect(verdict(memberSync(5), register(1), confirm(2), revoke(4)).verdict).toBe('invalid');
    expect(verdict(memberSync(5), register(1), confirm(2), revoke(7)).verdict).toBe('valid');
    expect(verdict(memberSync(5)).verdict).toBe('invalid');
  });

  it('confer nothing from a self-confirmation or from a second registration of a held id by another approver', () => {
    expect(verdict(memberSync(5), register(1), confirm(2, 'alice')).verdict).toBe('invalid');
    const stolen = credentialsOf([store(register(1, 'mallory'), register(2), confirm(3))]);
    expect(stolen).toEqual([expect.objectContaining({ approverId: 'mallory' })]);
    expect(stolen[0]?.confirmedAt).toBeUndefined();
  });

  it('are checked against the origins the workflow recorded', () => {
    expect(verdict(memberSync(5, ['https://other.example']), register(1), confirm(2)).problems).toMatch(/origin "https:\/\/keysync.example" is not among the allowed origins/);
    expect(verdict(memberSync(5, []), register(1), confirm(2)).problems).toMatch(/recorded no allowed origins/);
  });
});
