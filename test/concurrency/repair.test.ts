// Repair of what racing writers left behind, on real tokens with real workflows: copies made by
// hand with C_CopyObject show as drift state `duplicated`; a repair (a keySync of the member onto
// itself, approved under its sync policy) and an ordinary sync to a member each remove the
// identical surplus copies, never a copy that differs, and report how many went.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, challengeQuery, memberStateQuery } from '../../libs/contract/messages';
import type { KeySyncInput } from '../../libs/contract/operation-inputs';
import { clusterInventoryWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { ClusterInventoryWorkflow, KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { countTokenObjects } from '../faults/support/token-objects';
import { copyObject } from '../hsm/support/raw-objects';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { expectEachKeyOnce, makeKeys } from './support/exactly-once';

const timing = { nodeProbeSeconds: 20 };

describe('repair of duplicated objects', () => {
  let fixture: ClusterFixture;
  const raw = (member: string) => ({ ...fixture.cluster.members.find((candidate) => candidate.id === member)!, pinValue: fixture.pins[member]! });

  beforeAll(async () => {
    // n2's imports need one approval, as a repair of a production member would.
    fixture = await createClusterFixture({ members: ['n1', 'n2', 'n3'], withSecrets: ['n1', 'n2', 'n3'], memberPolicies: { n2: { approvals: 1, timeoutSeconds: 120 } } });
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const start = (input: Omit<KeySyncInput, 'cluster' | 'requestedBy' | 'reason' | 'timing'>) =>
    fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster: fixture.snapshot(), requestedBy: 'operator', reason: 'repair test', timing, ...input }],
    });

  const inventory = () =>
    fixture.client.workflow.execute<ClusterInventoryWorkflow>(workflowTypes.clusterInventory, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: clusterInventoryWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster: fixture.snapshot(), timing }],
    });

  it('shows identical copies as duplicated and differing copies as a conflict, then a repair removes only the identical ones, once approved', async () => {
    const ids = await makeKeys(fixture, 'n2', 'e0', 3);
    const [copied, renamed, untouched] = ids as [string, string, string];
    copyObject(raw('n2'), pkcs11.CKO_PRIVATE_KEY, copied, 2);
    copyObject(raw('n2'), pkcs11.CKO_PUBLIC_KEY, copied, 1);
    copyObject(raw('n2'), pkcs11.CKO_PRIVATE_KEY, renamed, 1, [{ type: pkcs11.CKA_LABEL, value: 'renamed-copy' }]);

    const seen = await inventory();
    const entry = (id: string) => seen.drift.find((candidate) => candidate.id === id);
    expect(entry(copied)).toMatchObject({ duplicatedOn: ['n2'], conflicting: false });
    expect(entry(renamed)).toMatchObject({ duplicatedOn: [], conflicting: true });
    expect(seen.members.find((member) => member.member === 'n2')?.keys?.find((key) => key.id === copied)?.duplicates).toBe(3);

    const handle = await start({ source: 'n2', repair: true });
    const memberSync = fixture.client.workflow.getHandle(memberSyncWorkflowId(handle.workflowId, 'n2'));
    await waitFor(async () => (await memberSync.query(memberStateQuery)).state === 'awaiting-approval', { timeoutMs: 60_000, description: 'the repair to await approval on n2' });
    // Nothing is removed before the approval.
    expect((await countTokenObjects(raw('n2'), fixture.pins.n2!)).get(`private-key:${copied}`)).toBe(3);
    const challenge = await memberSync.query(challengeQuery, 'n2');
    const approver = fixture.approvers[0]!;
    await memberSync.executeUpdate(approveUpdate, { args: [{ member: 'n2', approverId: approver.config.id, decision: 'approve', signature: signText(approver, challenge!.challenge) }] });
    const result = await handle.result();

    expect(result).toMatchObject({ kind: 'repair', state: 'completed', package: { keyCount: 1 } });
    expect(result.members).toEqual([expect.objectContaining({ member: 'n2', state: 'in-sync', keysImported: 0, keysSkipped: 1, copiesRemoved: 3 })]);
    expect(result.members[0]?.detail).toBe(`Removed 3 identical surplus copies of key-${copied} (private ${copied}) x3.`);
    const counts = await countTokenObjects(raw('n2'), fixture.pins.n2!);
    expect([copied, renamed, untouched].map((id) => [counts.get(`private-key:${id}`), counts.get(`public-key:${id}`)])).toEqual([
      [1, 1],
      [2, 1],
      [1, 1],
    ]);
  });

  it('a second repair finds nothing to do', async () => {
    const result = await (await start({ source: 'n2', repair: true })).result();
    expect(result).toMatchObject({ kind: 'repair', state: 'completed', package: null });
    expect(result.message).toMatch(/^Nothing to repair/);
  });

  it('an ordinary sync to a member that holds copies of the synced keys removes them', async () => {
    const ids = await makeKeys(fixture, 'n1', 'f0', 2);
    expect((await (await start({ source: 'n1', targets: ['n3'], keyIds: ids })).result()).state).toBe('completed');
    copyObject(raw('n3'), pkcs11.CKO_PRIVATE_KEY, ids[0]!, 1);
    copyObject(raw('n3'), pkcs11.CKO_PUBLIC_KEY, ids[1]!, 2);

    const result = await (await start({ source: 'n1', targets: ['n3'], keyIds: ids })).result();
    expect(result).toMatchObject({ kind: 'sync', state: 'completed' });
    expect(result.members).toEqual([expect.objectContaining({ member: 'n3', state: 'in-sync', keysImported: 0, copiesRemoved: 3 })]);
    await expectEachKeyOnce(fixture, 'n3', ids);
  });

  it('a repair that names another member as target is refused as invalid input', async () => {
    const handle = await start({ source: 'n2', targets: ['n3'], repair: true });
    const failure: unknown = await handle.result().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/targets include n3, but a repair's only target is its own member n2/);
  });
});
