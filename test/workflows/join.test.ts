// join on the real dev server and real tokens: a fresh token makes its transport key, two of three
// approvers sign its fingerprint, the sponsor wraps the cluster secrets for it, and the full key
// sync that follows needs no second approval. After it the new member reports the sponsor's check
// values and holds every key.
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, challengeQuery, operationStateQuery } from '../../libs/contract/messages';
import type { JoinState } from '../../libs/contract/operations';
import { joinWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { JoinWorkflow, MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { signApproval } from './support/approvers';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from './support/histories';

describe('join of a fresh token', () => {
  let fixture: ClusterFixture;
  let handle: WorkflowHandle<JoinWorkflow>;

  beforeAll(async () => {
    // node3's token is fresh: no cluster secrets, no keys. The sync policy would ask approvals for every member.
    fixture = await createClusterFixture({
      members: ['node1', 'node2', 'node3'],
      withSecrets: ['node1', 'node2'],
      joinPolicy: { approvals: 2, timeoutSeconds: 300 },
      syncPolicy: { approvals: 1, timeoutSeconds: 300 },
    });
    await fixture.withToken('node1', async (token) => {
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'ca-key', id: 'e1' });
      await token.generateKey({ keyType: 'rsa', size: 2048, label: 'signer-key', id: 'e2' });
      await token.generateKey({ keyType: 'aes', size: 256, label: 'data-key', id: 'e3' });
    });
    await fixture.startWorkers();
    handle = await fixture.client.workflow.start<JoinWorkflow>(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: joinWorkflowId(fixture.clusterId, 'node3'),
      args: [{ cluster: fixture.snapshot(), member: 'node3', sponsor: 'node1', requestedBy: 'admin', reason: 'join test' }],
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('waits for approvals bound to the transport key fingerprint, then gives the new member the same check values and every key', async () => {
    const waiting: JoinState = await waitFor(
      async () => {
        const state = await handle.query(operationStateQuery);
        return state.members[0]?.state === 'awaiting-approval' ? (state as JoinState) : null;
      },
      { description: 'the join awaiting approval' },
    );
    expect(waiting.phase).toBe('approval');
    expect(waiting.transportFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const fingerprint = waiting.transportFingerprint!;
    const target = { workflowId: handle.workflowId, member: 'node3', subject: fingerprint };
    expect(await handle.query(challengeQuery, 'node3')).toEqual({ challenge: `keysync-approval/1|${handle.workflowId}|node3|${fingerprint}|approve` });

    // An approval of another transport key (someone else's token) is refused.
    const wrongKey = await handle
      .executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[0]!, { ...target, subject: '00'.repeat(32) })] })
      .catch((error: unknown) => error);
    expect(wrongKey).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((wrongKey as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'approval-bad-signature', nonRetryable: true });
    expect(await fixture.withToken('node3', (token) => token.clusterSecretsKcv())).toBeNull();

    await handle.executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[0]!, target)] });
    await handle.executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[1]!, target)] });
    const result = await handle.result();

    expect(result).toMatchObject({ kind: 'join', state: 'completed', phase: 'done', member: 'node3' });
    expect(result.members[0]).toMatchObject({ member: 'node3', state: 'in-sync', keysImported: 3 });
    const sponsorKcv = await fixture.withToken('node1', (token) => token.clusterSecretsKcv());
    expect(await fixture.withToken('node3', (token) => token.clusterSecretsKcv())).toEqual(sponsorKcv);
    const identities = (groups: { class: string; id: string; fingerprint: string }[]) => groups.map((group) => `${group.class}:${group.id}:${group.fingerprint}`).sort();
    const founderKeys = await fixture.withToken('node1', (token) => token.inventory());
    expect(identities(await fixture.withToken('node3', (token) => token.inventory()))).toEqual(identities(founderKeys));

    // The key sync was covered by the join's approvals: its member sync asked for none.
    const memberSync = await fixture.client.workflow.getHandle<MemberSyncWorkflow>(memberSyncWorkflowId(result.keySyncWorkflowId!, 'node3')).result();
    expect(memberSync.approvals).toMatchObject({ coveredBy: handle.workflowId, refused: [] });
    expect(memberSync.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1', 'approver-2']);
  });

  it('leaves no PIN, no wrapped secrets and no wrapped key bytes in its histories', async () => {
    const state = await handle.query(operationStateQuery);
    expect(state.state).toBe('completed');
    const keySyncId = (state as JoinState).keySyncWorkflowId!;
    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    for (const id of [handle.workflowId, keySyncId, memberSyncWorkflowId(keySyncId, 'node3')]) {
      expect(secretsIn(await fetchHistoryJson(fixture.client, id), secrets), `secrets in ${id}`).toBe(0);
    }
    recordHistory('join', handle.workflowId, await fetchHistoryJson(fixture.client, handle.workflowId));
  });
});

describe('a join whose sponsor goes away after the approvals', () => {
  let fixture: ClusterFixture;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1'], joinPolicy: { approvals: 1, timeoutSeconds: 300 } });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-384', label: 'late-key', id: 'e9' }));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('continues as new while it waits, keeps its approvals, and completes once the sponsor is back', async () => {
    await fixture.startWorkers({ members: [], orchestrator: true });
    await fixture.startWorkers({ members: ['node2'], orchestrator: false });
    const sponsor = await fixture.startWorkers({ members: ['node1'], orchestrator: false });
    const handle = await fixture.client.workflow.start<JoinWorkflow>(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: joinWorkflowId(fixture.clusterId, 'node2'),
      // A small event budget stands in for a wait of weeks.
      args: [{ cluster: fixture.snapshot(), member: 'node2', sponsor: 'node1', requestedBy: 'admin', reason: 'join test', timing: { nodeProbeSeconds: 2, nodeProbeMaxSeconds: 2, continueAsNewAfterEvents: 40 } }],
    });
    const waiting = await waitFor(
      async () => {
        const state = (await handle.query(operationStateQuery)) as JoinState;
        return state.phase === 'approval' && state.members[0]?.state === 'awaiting-approval' ? state : null;
      },
      { description: 'the join awaiting approval' },
    );
    await sponsor.shutdown();
    const target = { workflowId: handle.workflowId, member: 'node2', subject: waiting.transportFingerprint! };
    await handle.executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[1]!, target)] });

    await waitFor(
      async () => {
        const history = await fixture.client.workflow.getHandle(handle.workflowId).fetchHistory();
        const continued = Boolean(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
        const state = (await handle.query(operationStateQuery)) as JoinState;
        return continued && state.phase === 'transfer-secrets';
      },
      { timeoutMs: 60_000, description: 'the join continued as new, waiting for its sponsor' },
    );
    await fixture.startWorkers({ members: ['node1'], orchestrator: false });
    const result = await fixture.client.workflow.getHandle<JoinWorkflow>(handle.workflowId).result();

    expect(result).toMatchObject({ state: 'completed', transportFingerprint: waiting.transportFingerprint });
    expect(result.approvals.granted.map((record) => record.approverId)).toEqual(['approver-2']);
    expect(await fixture.withToken('node2', (token) => token.clusterSecretsKcv())).toEqual(await fixture.withToken('node1', (token) => token.clusterSecretsKcv()));
    expect((await fixture.withToken('node2', (token) => token.inventory())).map((group) => group.id)).toEqual(['e9']);
  });
});
