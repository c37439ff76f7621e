// A member whose agent is down waits as `waiting-for-node` while the others finish, and completes
// once its agent is back (DESIGN section 2). A member of another cluster fails its pre-flight as
// `wrong-cluster` and gets nothing. A cancelled sync stops its members and imports nothing more.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { KeySyncInput } from '../../libs/contract/operation-inputs';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow, MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';

describe('members that cannot go on', () => {
  let fixture: ClusterFixture;

  const input = (targets: string[], continueAsNewAfterEvents = 5000, nodeProbeSeconds = 2): KeySyncInput => ({
    cluster: fixture.snapshot(),
    source: 'node1',
    targets,
    requestedBy: 'operator',
    reason: 'node down test',
    timing: { nodeProbeSeconds, nodeProbeMaxSeconds: Math.max(4, nodeProbeSeconds), heartbeatSeconds: 10, retryInitialSeconds: 1, retryMaxSeconds: 2, continueAsNewAfterEvents },
  });
  const memberHandle = (syncId: string, member: string) =>
    fixture.client.workflow.getHandle<MemberSyncWorkflow>(memberSyncWorkflowId(keySyncWorkflowId(fixture.clusterId, syncId), member));

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['node1', 'node2', 'node3', 'node4', 'node5'],
      withSecrets: ['node1', 'node2', 'node3', 'node4'],
      memberPolicies: { node4: { approvals: 1, timeoutSeconds: 300 } },
    });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'k', id: 'f1' }));
    // node5 belongs to another cluster: its own transfer secrets.
    await fixture.withToken('node5', (token) => token.createClusterSecrets());
    // node3's agent is not running.
    await fixture.startWorkers({ members: ['node1', 'node2', 'node4', 'node5'] });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('shows a member whose agent is down as waiting-for-node while the other completes, and completes it once the agent is back', async () => {
    // A tiny event budget makes node3's memberSync continue as new while it waits, as a weeks-long outage would.
    const handle = await fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'down'),
      args: [input(['node2', 'node3'], 15)],
    });

    // node2's memberSync starts once the pre-flight has given up waiting for node3's agent.
    const node2 = await waitFor(() => memberHandle('down', 'node2').result(), { description: "node2's member sync result" });
    expect(node2).toMatchObject({ state: 'in-sync', keysImported: 1 });
    await waitFor(async () => (await memberHandle('down', 'node3').query(memberStateQuery)).state === 'waiting-for-node', {
      description: 'node3 waiting for its agent',
    });
    expect((await handle.query(operationStateQuery)).state).toBe('running');
    await waitFor(async () => (await latestRunContinues(memberHandle('down', 'node3').workflowId)) && (await memberHandle('down', 'node3').query(memberStateQuery)).state === 'waiting-for-node', {
      description: "node3's memberSync continued as new, still waiting",
    });

    await fixture.startWorkers({ members: ['node3'], orchestrator: false });
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.members.find((member) => member.member === 'node3')).toMatchObject({ state: 'in-sync', keysImported: 1, attempts: 1 });
    const ids = (await fixture.withToken('node3', (token) => token.inventory())).map((group) => group.id);
    expect(ids).toEqual(['f1']);
  });

  /** True when the latest run of the workflow was started by a continue-as-new. */
  async function latestRunContinues(workflowId: string): Promise<boolean> {
    const history = await fixture.client.workflow.getHandle(workflowId).fetchHistory();
    return Boolean(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
  }

  it('cancels a sync that awaits approval: the member ends failed as cancelled and nothing is imported', async () => {
    const handle = await fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'cancel'),
      args: [input(['node4'])],
    });
    await waitFor(async () => (await memberHandle('cancel', 'node4').query(memberStateQuery)).state === 'awaiting-approval', {
      description: 'node4 awaiting approval',
    });

    await handle.cancel();
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(await handle.query(operationStateQuery)).toMatchObject({
      state: 'cancelled',
      members: [expect.objectContaining({ member: 'node4', state: 'failed', reason: 'cancelled' })],
    });
    expect(await memberHandle('cancel', 'node4').query(memberStateQuery)).toMatchObject({ state: 'failed', reason: 'cancelled', keysImported: 0 });
    expect(await fixture.withToken('node4', (token) => token.inventory())).toEqual([]);
  });

  it('fails a member of another cluster as wrong-cluster at pre-flight, before any export, and syncs the others', async () => {
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'k2', id: 'f2' }));
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'stranger'),
      // Every agent here runs: a long probe window keeps a busy machine from making node5 look down.
      args: [input(['node2', 'node5'], 5000, 30)],
    });

    expect(result.state).toBe('failed');
    const node5 = result.members.find((member) => member.member === 'node5');
    expect(node5).toMatchObject({ state: 'failed', reason: 'wrong-cluster', keysImported: 0 });
    expect(node5?.workflowId).toBeUndefined();
    expect(node5?.detail).toMatch(/check values differ.*join it to this cluster first/);
    expect(result.members.find((member) => member.member === 'node2')).toMatchObject({ state: 'in-sync' });
    expect(result.package?.keyCount).toBe(1);
    expect(await fixture.withToken('node5', (token) => token.inventory())).toEqual([]);
  });
});
