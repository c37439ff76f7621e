// The offline checks of `keysync audit verify`, on histories built here in the SDK's proto JSON
// shape, with real Ed25519 keys; the replay is a stand-in (the stack test replays real histories).
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyHistories } from '../../apps/cli/audit-verify';
import type { Replayer, TrustedApprovers } from '../../apps/cli/audit-verify';
import { signApproval } from '../../apps/cli/signing';
import type { ApproverKey } from '../../apps/cli/signing';
import { approvalChallenge } from '../../libs/approvals/challenge';

function approverKey(): ApproverKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64') };
}

const payload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

const alice = approverKey();
const bob = approverKey();
const trusted: TrustedApprovers = { source: 'test', keys: new Map([['alice', alice.publicKey], ['bob', bob.publicKey]]) };
const registered = [
  { id: 'alice', publicKey: alice.publicKey },
  { id: 'bob', publicKey: bob.publicKey },
];
const workflowId = 'sync:c1:s1:node2';
const digest = 'ab'.repeat(32);
const challenge = approvalChallenge({ workflowId, member: 'node2', subject: digest, decision: 'approve' });
const replays: Replayer = async (histories) => histories.map(() => null);

interface Delivery {
  via: 'signal' | 'update';
  approval: unknown;
}

function memberSyncHistory(deliveries: Delivery[], result: unknown, approvers = registered): unknown {
  const events: unknown[] = [
    {
      eventId: '1',
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'memberSync' },
        workflowId,
        input: { payloads: [payload({ cluster: 'c1', member: 'node2', requestedBy: 'operator', package: { digest, size: 1, keyCount: 1 }, approvers })] },
      },
    },
  ];
  deliveries.forEach(({ via, approval }, index) => {
    const eventId = String(5 + index);
    events.push(
      via === 'signal'
        ? { eventId, workflowExecutionSignaledEventAttributes: { signalName: 'approve-signal', input: { payloads: [payload(approval)] } } }
        : { eventId, workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'approve', args: { payloads: [payload(approval)] } } } } },
    );
  });
  events.push({ eventId: '20', workflowExecutionCompletedEventAttributes: { result: { payloads: [payload(result)] } } });
  return { events };
}

const granted = (approverId: string, via: string) => ({ approvals: { required: 1, granted: [{ approverId, decision: 'approve', via, at: 't' }], refused: [] } });

describe('audit verify (offline checks)', () => {
  it('passes a history whose approval is signed by a registered approver over its own workflow, member and package', async () => {
    const approval = signApproval(alice, 'alice', challenge, 'approve');
    const report = await verifyHistories([{ workflowId, history: memberSyncHistory([{ via: 'update', approval }], granted('alice', 'update')) }], trusted, replays);
    expect(report.ok).toBe(true);
    expect(report.histories[0]).toMatchObject({ subject: digest, approvals: [{ approverId: 'alice', verdict: 'valid', via: 'update' }] });
  });

  it('fails an approval signed for another operation, even by a registered approver', async () => {
    const elsewhere = approvalChallenge({ workflowId: 'sync:c1:other:node2', member: 'node2', subject: digest, decision: 'approve' });
    const approval = signApproval(alice, 'alice', elsewhere, 'approve');
    const report = await verifyHistories([{ workflowId, history: memberSyncHistory([{ via: 'update', approval }], granted('alice', 'update')) }], trusted, replays);
    expect(report.ok).toBe(false);
    expect(report.histories[0]!.approvals[0]).toMatchObject({ verdict: 'invalid' });
    expect(report.histories[0]!.problems.join('\n')).toContain(`over ${challenge}`);
  });

  it('accepts a bad signal approval that the workflow itself recorded as refused, and fails one it did not', async () => {
    const forged = { ...signApproval(bob, 'bob', challenge, 'approve'), approverId: 'alice' };
    const good = signApproval(bob, 'bob', challenge, 'approve');
    const refusedByWorkflow = { approvals: { required: 1, granted: [{ approverId: 'bob', decision: 'approve', via: 'signal', at: 't' }], refused: [{ approverId: 'alice', decision: 'approve', code: 'bad-signature' }] } };
    const history = memberSyncHistory([{ via: 'signal', approval: forged }, { via: 'signal', approval: good }], refusedByWorkflow);
    const report = await verifyHistories([{ workflowId, history }], trusted, replays);
    expect(report.ok).toBe(true);
    expect(report.histories[0]!.approvals.map((finding) => finding.verdict)).toEqual(['refused-by-workflow', 'valid']);

    const unnoticed = await verifyHistories([{ workflowId, history: memberSyncHistory([{ via: 'signal', approval: forged }], granted('alice', 'signal')) }], trusted, replays);
    expect(unnoticed.ok).toBe(false);
  });

  it('fails a history whose input carries an approver key other than the registered one', async () => {
    const mallory = approverKey();
    const approval = signApproval(mallory, 'alice', challenge, 'approve');
    const history = memberSyncHistory([{ via: 'update', approval }], granted('alice', 'update'), [{ id: 'alice', publicKey: mallory.publicKey }]);
    const report = await verifyHistories([{ workflowId, history }], trusted, replays);
    expect(report.ok).toBe(false);
    expect(report.histories[0]!.problems.join('\n')).toContain('carries a key for alice other than the registered one');
  });

  it('fails a history that does not replay, and one exported under another workflow id', async () => {
    const approval = signApproval(alice, 'alice', challenge, 'approve');
    const history = memberSyncHistory([{ via: 'update', approval }], granted('alice', 'update'));
    const failing: Replayer = async (histories) => histories.map(() => 'DeterminismViolationError: nondeterminism');
    const replayed = await verifyHistories([{ workflowId, history }], trusted, failing);
    expect(replayed.histories[0]).toMatchObject({ ok: false, replay: { ok: false, error: 'DeterminismViolationError: nondeterminism' } });

    const renamed = await verifyHistories([{ workflowId: 'sync:c1:s2:node2', history }], trusted, replays);
    expect(renamed.histories[0]!.problems.join('\n')).toContain('the history started sync:c1:s1:node2');
  });

  it('checks a join’s approvals against the transport key fingerprint its createTransportKey activity reported', async () => {
    const joinId = 'join:c1:node3';
    const fingerprint = 'cd'.repeat(32);
    const approval = signApproval(bob, 'bob', approvalChallenge({ workflowId: joinId, member: 'node3', subject: fingerprint, decision: 'approve' }), 'approve');
    const history = {
      events: [
        {
          eventId: '1',
          workflowExecutionStartedEventAttributes: {
            workflowType: { name: 'join' },
            workflowId: joinId,
            input: { payloads: [payload({ member: 'node3', sponsor: 'node1', requestedBy: 'admin', cluster: { id: 'c1', approvers: registered } })] },
          },
        },
        { eventId: '5', activityTaskScheduledEventAttributes: { activityType: { name: 'createTransportKey' } } },
        { eventId: '7', activityTaskCompletedEventAttributes: { scheduledEventId: '5', result: { payloads: [payload({ fingerprint, publicKeyDer: 'AA==' })] } } },
        { eventId: '9', workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'approve', args: { payloads: [payload(approval)] } } } } },
      ],
    };
    const report = await verifyHistories([{ workflowId: null, history }], trusted, replays);
    expect(report.ok).toBe(true);
    expect(report.histories[0]).toMatchObject({ workflowId: joinId, subject: fingerprint, approvals: [{ approverId: 'bob', verdict: 'valid' }] });
  });
});
