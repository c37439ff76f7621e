// keySync and join started with a cluster id, as the Temporal UI's small input does: the snapshot
// comes from the orchestrator's configuration through the resolveCluster activity, is recorded in
// the history as that activity's result, and drives the sync (its approver keys check the
// approval); an unknown id or a missing requester fails the workflow at once with a clear message.
import { WorkflowFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSnapshot } from '../../libs/config/cluster-snapshot';
import type { ClusterSnapshot } from '../../libs/contract/cluster';
import { approveSignal, memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { KeySyncInput, KeySyncResult } from '../../libs/contract/operation-inputs';
import { joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { signApproval } from './support/approvers';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, secretsIn, secretsToLookFor } from './support/histories';

/** The activities a workflow's history scheduled, with each completed one's result. */
async function activitiesOf(client: Client, workflowId: string): Promise<Array<{ type: string; result?: unknown }>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, { type: string; result?: unknown }>();
  for (const event of history.events ?? []) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(Number(event.eventId), { type });
    const completed = event.activityTaskCompletedEventAttributes;
    const payload = completed?.result?.payloads?.[0];
    const entry = completed ? scheduled.get(Number(completed.scheduledEventId)) : undefined;
    if (entry && payload) entry.result = defaultPayloadConverter.fromPayload(payload);
  }
  return [...scheduled.values()];
}

/** The failure a workflow ended with (its ApplicationFailure cause). */
async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a keySync or join started with a cluster id', () => {
  let fixture: ClusterFixture;
  const timing = { heartbeatSeconds: 10, retryInitialSeconds: 1, retryMaxSeconds: 2 };

  beforeAll(async () => {
    // One approval per sync, so the approver keys the activity resolved are the ones that decide.
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'], syncPolicy: { approvals: 1, timeoutSeconds: 120 } });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'ui-started', id: 'e101' }));
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const start = (workflowId: string, input: Record<string, unknown>) =>
    fixture.client.workflow.start(workflowTypes.keySync, { taskQueue: fixture.orchestratorQueue, workflowId, args: [input] });

  it('resolves the configured snapshot by the resolveCluster activity, records it, and completes once a registered approver signs', async () => {
    const workflowId = keySyncWorkflowId(fixture.clusterId, `by-id-${Date.now()}`);
    // The shape docs/temporal-ui.md tells the operator to paste, with this test's cluster id.
    const input = { cluster: fixture.clusterId, source: 'node1', targets: ['node2'], requestedBy: 'alice', reason: 'CA renewal', timing } satisfies KeySyncInput;
    const handle = await start(workflowId, input);

    const memberId = memberSyncWorkflowId(workflowId, 'node2');
    await waitFor(async () => (await fixture.client.workflow.getHandle(memberId).query(memberStateQuery).catch(() => null))?.state === 'awaiting-approval', {
      timeoutMs: 60_000,
      description: 'node2 to await approval',
    });
    const digest = (await handle.query(operationStateQuery)).package!.digest;
    await fixture.client.workflow.getHandle(memberId).signal(approveSignal, signApproval(fixture.approvers[0]!, { workflowId: memberId, member: 'node2', subject: digest }));

    const result = (await handle.result()) as KeySyncResult;
    expect(result).toMatchObject({ state: 'completed', cluster: fixture.clusterId, requestedBy: 'alice', reason: 'CA renewal' });
    expect(result.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 1 })]);
    const member = await fixture.client.workflow.getHandle(memberId).query(memberStateQuery);
    expect(member.approvals.granted).toEqual([expect.objectContaining({ approverId: 'approver-1', via: 'signal' })]);

    // The snapshot is in the history, first thing, as the activity's result: exactly the configured one.
    const activities = await activitiesOf(fixture.client, workflowId);
    expect(activities[0]).toEqual({ type: 'resolveCluster', result: clusterSnapshot(fixture.cluster) });
    expect((activities[0]!.result as ClusterSnapshot).approvers.map((approver) => approver.publicKey)).toEqual(fixture.approvers.map((approver) => approver.config.publicKey));
    expect(activities.filter((activity) => activity.type === 'resolveCluster')).toHaveLength(1);

    // Only public material came from the configuration: no PIN, no wrapped key, no PIN file path.
    const secrets = [...secretsToLookFor(fixture.pins, fixture.packagesDir), fixture.dir];
    for (const id of [workflowId, memberId]) expect(secretsIn(await fetchHistoryJson(fixture.client, id), secrets), `secrets in ${id}`).toBe(0);
  });

  it('fails at once, naming the unknown id and the known clusters, before any agent is called', async () => {
    const workflowId = keySyncWorkflowId('nosuchcluster', `by-id-${Date.now()}`);
    const handle = await start(workflowId, { cluster: 'nosuchcluster', source: 'node1', requestedBy: 'alice', reason: 'typo' });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('unknown-cluster');
    expect(failure.message).toContain('Cluster "nosuchcluster" is not in the orchestrator\'s configuration');
    expect(failure.message).toContain(`known clusters: "${fixture.clusterId}"`);
    expect((await activitiesOf(fixture.client, workflowId)).map((activity) => activity.type)).toEqual(['resolveCluster']);
  });

  it('fails a join with an unknown cluster id the same way', async () => {
    const workflowId = joinWorkflowId('nosuchcluster', 'node3');
    const handle = await fixture.client.workflow.start(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [{ cluster: 'nosuchcluster', member: 'node3', sponsor: 'node1', requestedBy: 'alice', reason: 'typo' }],
    });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('unknown-cluster');
    expect(failure.message).toContain('"nosuchcluster"');
  });

  it('refuses an input typed without requestedBy, which the four-eyes rule needs', async () => {
    const workflowId = keySyncWorkflowId(fixture.clusterId, `no-requester-${Date.now()}`);
    const handle = await start(workflowId, { cluster: fixture.clusterId, source: 'node1', reason: 'no requester' });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('invalid-input');
    expect(failure.message).toContain('requestedBy is missing: name who asks for the sync');
  });

  it('refuses an input typed with a survey of the members, which only a drift watch or availability request hands to the sync it starts', async () => {
    const workflowId = keySyncWorkflowId(fixture.clusterId, `typed-survey-${Date.now()}`);
    // A survey that would skip node2's check values and inventory: the sync must not take it from a client.
    const surveyed = [{ member: 'node2', kcv: null, inventory: [], capabilities: {} }];
    const handle = await start(workflowId, { cluster: fixture.clusterId, source: 'node1', targets: ['node2'], requestedBy: 'alice', reason: 'typed survey', surveyed });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('invalid-input');
    expect(failure.message).toContain('surveyed is set only by the drift watch or availability request');
    // Refused before any member was asked anything.
    expect((await activitiesOf(fixture.client, workflowId)).map((activity) => activity.type)).toEqual(['resolveCluster']);
  });
});
