// Operations that overlap on one member, on real SoftHSM tokens with real agents and workflows:
// PKCS#11 has no transactions and does not make CKA_ID unique, so two imports that each find a key
// absent would both create it. Every scenario ends with each key exactly once on every member.
// Where the overlap would otherwise depend on timing, every import is held at its approval and all
// are approved at the same moment, so the imports run at once (without the member write lock, each
// of these tests leaves duplicates).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageStore } from '../../libs/package-store';
import type { AgentTiming } from '../../libs/contract/agent-timing';
import type { ClusterSnapshot } from '../../libs/contract/cluster';
import { approveUpdate, challengeQuery, memberStateQuery } from '../../libs/contract/messages';
import type { KeySyncResult } from '../../libs/contract/operation-inputs';
import { keyAvailabilityWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { DriftWatchWorkflow, KeyAvailabilityWorkflow, KeySyncWorkflow, MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { expectEachKeyOnce, makeKeys } from './support/exactly-once';

// A member that misses one short probe on a loaded 2-core machine would read as unreachable.
const timing: Partial<AgentTiming> = { nodeProbeSeconds: 20, retryInitialSeconds: 1, retryMaxSeconds: 2 };

describe('operations that overlap on a member write each key once', () => {
  let fixture: ClusterFixture;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2', 'n3'], withSecrets: ['n1', 'n2', 'n3'], parallelism: 2 });
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  /** The cluster with one approval asked per member: imports wait until approveAllAtOnce. */
  const held = (): ClusterSnapshot => ({ ...fixture.snapshot(), policy: { ...fixture.snapshot().policy, sync: { approvals: 1, timeoutSeconds: 300 } } });

  const startSync = (targets: string[], keyIds?: string[], cluster: ClusterSnapshot = fixture.snapshot()) =>
    fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster, source: 'n1', targets, ...(keyIds ? { keyIds } : {}), requestedBy: 'operator', reason: 'overlap test', timing }],
    });

  const startDriftWatch = (cluster: ClusterSnapshot) =>
    fixture.client.workflow.start<DriftWatchWorkflow>(workflowTypes.driftWatch, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: `drift-test:${fixture.clusterId}:${randomUUID()}`,
      args: [{ cluster, mode: 'auto', timing }],
    });

  /** Waits until `count` memberSyncs of the cluster await approval, then approves them all in the same moment. */
  const approveAllAtOnce = async (count: number): Promise<void> => {
    const query = `WorkflowType = '${workflowTypes.memberSync}' AND KeySyncCluster = '${fixture.clusterId}' AND ExecutionStatus = 'Running'`;
    const approver = fixture.approvers[0]!;
    const approvals = await waitFor(
      async () => {
        const waiting = [];
        for await (const execution of fixture.client.workflow.list({ query })) {
          const handle = fixture.client.workflow.getHandle(execution.workflowId);
          const status = await handle.query(memberStateQuery);
          const challenge = status.state === 'awaiting-approval' ? await handle.query(challengeQuery, status.member) : null;
          if (challenge) waiting.push({ handle, approval: { member: status.member, approverId: approver.config.id, decision: 'approve' as const, signature: signText(approver, challenge.challenge) } });
        }
        return waiting.length === count ? waiting : false;
      },
      { timeoutMs: 120_000, intervalMs: 250, description: `${count} member syncs awaiting approval` },
    );
    await Promise.all(approvals.map(({ handle, approval }) => handle.executeUpdate(approveUpdate, { args: [approval] })));
  };

  /** The syncs a drift watch started, each awaited to its end. */
  const driftSyncResults = async (handle: Awaited<ReturnType<typeof startDriftWatch>>): Promise<KeySyncResult[]> => {
    const watch = await handle.result();
    return Promise.all(watch.syncs.map((sync) => fixture.client.workflow.getHandle<KeySyncWorkflow>(sync.operationId).result()));
  };

  it('12 syncs of the same 30 keys to one member, started at once, all complete and leave each key there once', async () => {
    const ids = await makeKeys(fixture, 'n1', 'a0', 30);
    const handles = await Promise.all(Array.from({ length: 12 }, () => startSync(['n2'], ids)));
    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(results.map((result) => result.state)).toEqual(Array(12).fill('completed'));
    // Every key was created by exactly one of the 12 imports; the others found it there.
    const imported = results.reduce((sum, result) => sum + (result.members[0]?.keysImported ?? 0), 0);
    expect(imported).toBe(ids.length);
    await expectEachKeyOnce(fixture, 'n2', ids);
  });

  it("a drift watch's automatic heal and an operator's sync of the same keys, at once, leave each key once on every member", async () => {
    const ids = await makeKeys(fixture, 'n1', 'b0', 8);
    const [watch, operator] = await Promise.all([startDriftWatch(held()), startSync(['n2', 'n3'], ids, held())]);
    const { syncs } = await watch.result();
    await approveAllAtOnce(2 + syncs.reduce((sum, sync) => sum + sync.targets.length, 0));
    const [healed, synced] = await Promise.all([driftSyncResults(watch), operator.result()]);

    expect(healed.length).toBeGreaterThan(0);
    expect([...healed, synced].map((result) => result.state)).toEqual(Array(healed.length + 1).fill('completed'));
    for (const member of ['n2', 'n3']) await expectEachKeyOnce(fixture, member, ids);
  });

  it('the availability gate with sync=true for a key the drift watch is healing answers available, and the key is on every member once', async () => {
    const [id] = await makeKeys(fixture, 'n1', 'c0', 1);
    const keyId = id!;
    const [watch, gate] = await Promise.all([
      startDriftWatch(held()),
      fixture.client.workflow.start<KeyAvailabilityWorkflow>(workflowTypes.keyAvailability, {
        taskQueue: fixture.orchestratorQueue,
        workflowId: keyAvailabilityWorkflowId(fixture.clusterId, keyId, randomUUID()),
        args: [{ cluster: held(), keyId, waitSeconds: 240, sync: true, requestedBy: 'operator', timing }],
      }),
    ]);
    const { syncs } = await watch.result();
    // The gate's own sync goes to the two members that lack the key, like the drift watch's.
    await approveAllAtOnce(2 + syncs.reduce((sum, sync) => sum + sync.targets.length, 0));
    const [healed, availability] = await Promise.all([driftSyncResults(watch), gate.result()]);

    expect(availability).toMatchObject({ available: true, lacking: [] });
    expect(healed.map((result) => result.state)).toEqual(Array(healed.length).fill('completed'));
    if (availability.operationId) expect((await fixture.client.workflow.getHandle<KeySyncWorkflow>(availability.operationId).result()).state).toBe('completed');
    for (const member of ['n2', 'n3']) await expectEachKeyOnce(fixture, member, [keyId]);
  });

  it('two uploads of one package to one member, at once, import each key once', async () => {
    const ids = await makeKeys(fixture, 'n1', 'd0', 10);
    const exported = await fixture.withToken('n1', (token) =>
      token.exportPackage({ clusterId: fixture.clusterId, sourceMember: 'n1', keys: ids.map((id) => ({ class: 'private' as const, id })), ttlSeconds: 3600 }),
    );
    const stored = await (await createPackageStore(fixture.config.packageStore)).put(exported.bytes);
    const upload = (name: string) => {
      const workflowId = memberSyncWorkflowId(keySyncWorkflowId(fixture.clusterId, `${name}-${stored.digest.slice(0, 16)}`), 'n3');
      return fixture.client.workflow.start<MemberSyncWorkflow>(workflowTypes.memberSync, {
        taskQueue: fixture.orchestratorQueue,
        workflowId,
        args: [
          {
            cluster: fixture.clusterId,
            member: 'n3',
            operationId: workflowId,
            requestedBy: 'operator',
            reason: `upload ${name}`,
            package: { digest: stored.digest, size: stored.size, keyCount: exported.entries.length },
            expected: exported.entries.map((entry) => ({ class: entry.class, id: entry.id, label: entry.label, fingerprint: entry.fingerprint })),
            approvers: fixture.cluster.approvers,
            policy: { approvals: 0, timeoutSeconds: 60 },
            timing,
          },
        ],
      });
    };
    const results = await Promise.all((await Promise.all([upload('first'), upload('second')])).map((handle) => handle.result()));

    expect(results.map((result) => result.state)).toEqual(['in-sync', 'in-sync']);
    expect(results.reduce((sum, result) => sum + result.keysImported, 0)).toBe(ids.length);
    await expectEachKeyOnce(fixture, 'n3', ids);
  });
});
