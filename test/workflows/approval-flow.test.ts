// Approvals on the real dev server (DESIGN section 6): a member with a 2-of-3 policy waits; the
// update refuses a forged signature, the requester, a duplicate approver and an approval signed for
// another package before anything enters the history; a bad signal is recorded and ignored; two
// valid approvals let it go on. A rejection fails only its member, and so does a timeout. Each
// workflow publishes in its memo the state its query answers.
import { isDeepStrictEqual } from 'node:util';
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../libs/contract/approvals';
import { approveSignal, approveUpdate, challengeQuery, memberStateQuery, operationStateQuery, packageKeysMemoKey, publishedViewMemoKey } from '../../libs/contract/messages';
import type { MemberStatus, OperationState } from '../../libs/contract/operations';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow, MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { signApproval } from './support/approvers';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from './support/histories';

describe('approvals of a key sync', () => {
  let fixture: ClusterFixture;
  let parent: WorkflowHandle<KeySyncWorkflow>;
  let digest: string;

  const memberHandle = (member: string) => fixture.client.workflow.getHandle<MemberSyncWorkflow>(memberSyncWorkflowId(parent.workflowId, member));
  const memberState = (member: string): Promise<MemberStatus> => memberHandle(member).query(memberStateQuery);
  const approval = (approverIndex: number, member: string, decision: Approval['decision'] = 'approve', subject = digest): Approval =>
    signApproval(fixture.approvers[approverIndex]!, { workflowId: memberSyncWorkflowId(parent.workflowId, member), member, subject }, decision);
  /** Sends an approval the update must refuse, and checks the refusal's failure type and message. */
  const expectRefusal = async (member: string, sent: unknown, type: string, message?: RegExp): Promise<void> => {
    const error = await memberHandle(member)
      .executeUpdate(approveUpdate, { args: [sent as Approval] })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(type);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    if (message) expect((cause as ApplicationFailure).message).toMatch(message);
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['node1', 'node2', 'node3', 'node4'],
      withSecrets: ['node1', 'node2', 'node3', 'node4'],
      parallelism: 3,
      memberPolicies: {
        node2: { approvals: 2, timeoutSeconds: 300 },
        node3: { approvals: 1, timeoutSeconds: 300 },
        node4: { approvals: 1, timeoutSeconds: 4 },
      },
    });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'approved-key', id: 'd1' }));
    await fixture.startWorkers();
    // approver-3 requests the sync, so four eyes forbid it to approve.
    parent = await fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'approvals'),
      args: [{ cluster: fixture.snapshot(), source: 'node1', requestedBy: 'approver-3', reason: 'approval test' }],
    });
    digest = await waitFor(async () => (await parent.query(operationStateQuery)).package?.digest, { description: 'the package digest' });
    for (const member of ['node2', 'node3']) {
      await waitFor(async () => (await memberState(member)).state === 'awaiting-approval', { description: `${member} awaiting approval` });
    }
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it("publishes in its memo what its state query answers, the keySync (its package's keys once, apart from its view) and each memberSync awaiting approval alike (the API reads it by describe)", async () => {
    const published = async (handle: WorkflowHandle): Promise<unknown> => (await handle.describe()).memo?.[publishedViewMemoKey];
    const state = await parent.query(operationStateQuery);
    const memo = (await parent.describe()).memo ?? {};
    expect(state.package?.keys?.length).toBeGreaterThan(0);
    expect(memo[packageKeysMemoKey]).toEqual(state.package?.keys);
    expect((memo[publishedViewMemoKey] as OperationState).package).toEqual({ digest: state.package?.digest, keyCount: state.package?.keyCount });
    // Compared until equal: node4's short approval timeout may change the states between the two reads.
    const withoutKeys = (operation: OperationState): OperationState => ({ ...operation, package: operation.package ? { digest: operation.package.digest, keyCount: operation.package.keyCount } : null });
    await waitFor(async () => isDeepStrictEqual(await published(parent), withoutKeys(await parent.query(operationStateQuery))), { description: "the keySync's memo view to equal its query, but for the package's keys" });
    for (const member of ['node2', 'node3']) {
      await waitFor(async () => isDeepStrictEqual(await published(memberHandle(member)), await memberState(member)), { description: `${member}'s memo view to equal its query` });
    }
    expect(((await published(memberHandle('node2'))) as MemberStatus).state).toBe('awaiting-approval');
  });

  it('shows the challenge to sign, bound to the member sync and the package digest', async () => {
    const expected = `keysync-approval/1|${memberSyncWorkflowId(parent.workflowId, 'node2')}|node2|${digest}|approve`;
    expect(await memberHandle('node2').query(challengeQuery, 'node2')).toEqual({ challenge: expected });
    expect(await memberHandle('node2').query(challengeQuery)).toEqual({ challenge: expected });
    expect(await memberHandle('node2').query(challengeQuery, 'node3')).toBeNull();
    expect(await parent.query(challengeQuery, 'node2')).toEqual({ challenge: expected });
  });

  it('refuses a forged signature, the requester, a duplicate and an approval for another package, each with its failure type; two valid approvals let it go on', async () => {
    const forged = { ...approval(1, 'node2'), approverId: 'approver-1' };
    await expectRefusal('node2', forged, 'approval-bad-signature', /does not verify/);
    await expectRefusal('node2', approval(2, 'node2'), 'approval-by-requester', /four eyes/);
    await expectRefusal('node2', { ...approval(0, 'node2'), approverId: 'nobody' }, 'approval-unknown-approver', /not a registered approver/);
    await expectRefusal('node2', approval(0, 'node3'), 'approval-wrong-member', /awaits approvals for member node2/);
    await expectRefusal('node2', { member: 'node2', decision: 'approve' }, 'approval-malformed');

    const first = await memberHandle('node2').executeUpdate(approveUpdate, { args: [approval(0, 'node2')] });
    expect(first.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1']);
    expect((await memberState('node2')).state).toBe('awaiting-approval');

    await expectRefusal('node2', approval(0, 'node2'), 'approval-duplicate', /counts once/);
    await expectRefusal('node2', approval(1, 'node2', 'approve', 'ff'.repeat(32)), 'approval-bad-signature', /does not verify/);

    // A signal cannot be refused to its sender: it is recorded as refused and changes nothing.
    const forgedSignal = { ...approval(2, 'node2'), approverId: 'approver-2' };
    await memberHandle('node2').signal(approveSignal, forgedSignal);
    await waitFor(async () => (await memberState('node2')).approvals.refused.length === 1, { description: 'the bad signal recorded' });
    const afterSignal = await memberState('node2');
    expect(afterSignal.approvals.refused[0]).toMatchObject({ approverId: 'approver-2', code: 'bad-signature' });
    expect(afterSignal.state).toBe('awaiting-approval');

    await memberHandle('node2').executeUpdate(approveUpdate, { args: [approval(1, 'node2')] });
    const done = await memberHandle('node2').result();
    expect(done).toMatchObject({ state: 'in-sync', keysImported: 1 });
    expect(done.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1', 'approver-2']);

    // The refused updates left nothing in the history: only the two accepted ones are there.
    const history = JSON.parse(await fetchHistoryJson(fixture.client, memberSyncWorkflowId(parent.workflowId, 'node2'))) as { events: { eventType: string }[] };
    const updateEvents = history.events.filter((event) => event.eventType.includes('UPDATE')).map((event) => event.eventType);
    expect(updateEvents.filter((type) => type.endsWith('UPDATE_ACCEPTED'))).toHaveLength(2);
    expect(updateEvents.some((type) => type.includes('REJECTED'))).toBe(false);
  });

  it('a rejection fails only that member, and a timeout fails only its member with approval-timeout', async () => {
    await memberHandle('node3').executeUpdate(approveUpdate, { args: [approval(1, 'node3', 'reject')] });
    expect(await memberHandle('node3').result()).toMatchObject({ state: 'failed', reason: 'rejected', keysImported: 0 });

    const result = await parent.result();
    expect(result.state).toBe('failed');
    expect(result.members.map((member) => [member.member, member.state, member.reason])).toEqual([
      ['node2', 'in-sync', undefined],
      ['node3', 'failed', 'rejected'],
      ['node4', 'failed', 'approval-timeout'],
    ]);
    for (const member of ['node3', 'node4']) {
      const ids = (await fixture.withToken(member, (token) => token.inventory())).map((group) => group.id);
      expect(ids, `${member} must not have imported anything`).not.toContain('d1');
    }
  });

  it('leaves no PIN and no wrapped key bytes in these histories', async () => {
    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    for (const id of [parent.workflowId, ...['node2', 'node3', 'node4'].map((member) => memberSyncWorkflowId(parent.workflowId, member))]) {
      expect(secretsIn(await fetchHistoryJson(fixture.client, id), secrets), `secrets in ${id}`).toBe(0);
    }
    recordHistory('member-sync-approved', memberSyncWorkflowId(parent.workflowId, 'node2'), await fetchHistoryJson(fixture.client, memberSyncWorkflowId(parent.workflowId, 'node2')));
    recordHistory('key-sync-approvals', parent.workflowId, await fetchHistoryJson(fixture.client, parent.workflowId));
  });
});
