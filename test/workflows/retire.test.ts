// A retire on the real dev server and real SoftHSM tokens (DESIGN 13): approvals collected once,
// for member *, under policy retire (2 of the registered approvers, four eyes); refused with one
// approval, by the requester, by a forged signature or signed for a member; then a recovery
// package kept, a tombstone raised, and the key's objects (private key, public key, certificate)
// gone from every member, counted with pkcs11-tool. A sync of everything from a member that holds
// the retired key again leaves it out; a sync naming it restores it and lifts the tombstone.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../libs/contract/approvals';
import type { KeyRef } from '../../libs/contract/keys';
import { approveUpdate, challengeQuery, memberStateQuery, operationStateQuery, tombstoneQuery } from '../../libs/contract/messages';
import type { RetireState, TombstoneResult } from '../../libs/contract/retire';
import { keySyncWorkflowId, memberRetireWorkflowId, tombstoneWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow, RetireWorkflow } from '../../libs/contract/workflow-types';
import { decodePackage } from '../../libs/hsm';
import { DirectoryPackageStore } from '../../libs/package-store';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from './support/histories';
import { keyObjectsOn, retireApproval, seedKeyEverywhere, startRetire } from './support/retire-helpers';

/** The fields of a history event (as JSON) the look-up's order is read from. */
interface HistoryEventJson {
  eventId: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
}

const MEMBERS = ['node1', 'node2', 'node3'];

describe('a retire with two approvals', () => {
  let fixture: ClusterFixture;
  let key: KeyRef;
  let retire: WorkflowHandle<RetireWorkflow>;

  const state = (): Promise<RetireState> => retire.query(operationStateQuery) as Promise<RetireState>;
  const expectRefusal = async (sent: unknown, type: string, message: RegExp): Promise<void> => {
    const error = await retire.executeUpdate(approveUpdate, { args: [sent as Approval] }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe(type);
    expect(cause.message).toMatch(message);
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: MEMBERS, withSecrets: MEMBERS });
    await fixture.startWorkers();
    key = await seedKeyEverywhere(fixture, 'node1', 'c0de01', 'retired-ca');
    for (const member of MEMBERS) {
      expect(await keyObjectsOn(fixture, member, key.id), `the key's group on ${member} before the retire`).toEqual({ 'private-key': 1, 'public-key': 1, certificate: 1 });
    }
    // approver-3 asks for the retire, so four eyes forbid it to approve.
    retire = await startRetire(fixture, key, { requestedBy: 'approver-3' });
    await waitFor(async () => (await state()).approvals.deadline !== undefined, { description: 'the retire awaiting approvals' });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('asks the approvers once, for member *, over retire:<class>:<id>:<fingerprint>', async () => {
    const expected = `keysync-approval/1|${retire.workflowId}|*|retire:private:${key.id}:${key.fingerprint}|approve`;
    expect(await retire.query(challengeQuery, '*')).toEqual({ challenge: expected });
    expect(await retire.query(challengeQuery)).toEqual({ challenge: expected });
    expect(await retire.query(challengeQuery, 'node2')).toBeNull();
    const current = await state();
    expect(current).toMatchObject({ kind: 'retire', phase: 'approval', recoveryPackage: null, tombstone: null });
    expect(current.approvals.required).toBe(2);
    expect(current.members.map((member) => member.state)).toEqual(['awaiting-approval', 'awaiting-approval', 'awaiting-approval']);
  });

  it('refuses the requester, a forged signature, a per-member approval and a second count; one approval destroys nothing', async () => {
    await expectRefusal(retireApproval(fixture, 2, retire.workflowId, key), 'approval-by-requester', /four eyes/);
    await expectRefusal({ ...retireApproval(fixture, 1, retire.workflowId, key), approverId: 'approver-1' }, 'approval-bad-signature', /does not verify/);
    await expectRefusal({ ...retireApproval(fixture, 0, retire.workflowId, key), member: 'node2' }, 'approval-wrong-member', /awaits approvals for member \*/);
    // Signed for another key's fingerprint: the signature binds the subject.
    await expectRefusal(retireApproval(fixture, 0, retire.workflowId, { ...key, fingerprint: 'ab'.repeat(32) }), 'approval-bad-signature', /does not verify/);

    const first = await retire.executeUpdate(approveUpdate, { args: [retireApproval(fixture, 0, retire.workflowId, key)] });
    expect(first.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1']);
    await expectRefusal(retireApproval(fixture, 0, retire.workflowId, key), 'approval-duplicate', /counts once/);

    const afterOne = await state();
    expect(afterOne.phase).toBe('approval');
    expect(afterOne.recoveryPackage).toBeNull();
    for (const member of MEMBERS) {
      expect(await keyObjectsOn(fixture, member, key.id), `nothing destroyed on ${member} with one approval`).toEqual({ 'private-key': 1, 'public-key': 1, certificate: 1 });
    }
  });

  it('with the second approval keeps a recovery package, raises the tombstone and destroys the whole group on every member', async () => {
    await retire.executeUpdate(approveUpdate, { args: [retireApproval(fixture, 1, retire.workflowId, key)] });
    const result = await retire.result();
    expect(result.state).toBe('completed');
    expect(result.phase).toBe('done');
    expect(result.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['node1', 'retired', 3],
      ['node2', 'retired', 3],
      ['node3', 'retired', 3],
    ]);
    for (const member of MEMBERS) {
      expect(await keyObjectsOn(fixture, member, key.id), `objects of the key left on ${member}`).toEqual({});
    }

    // The recovery package: in the store, holding exactly this key, importable for 30 days.
    expect(result.recoveryPackage).not.toBeNull();
    const { digest, expiresAt } = result.recoveryPackage!;
    expect(result.package).toEqual({ digest, keyCount: 1 });
    const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const file = decodePackage(await new DirectoryPackageStore(fixture.packagesDir).get(digest));
    expect(file.entries.map((entry) => [entry.class, entry.id, entry.fingerprint])).toEqual([['private', key.id, key.fingerprint]]);
    expect(Math.abs(Date.parse(file.header.expiresAt) - Date.parse(expiresAt))).toBeLessThan(60_000);

    // The tombstone stands, with the retire that raised it and its recovery package.
    const tombstone = fixture.client.workflow.getHandle(tombstoneWorkflowId(fixture.clusterId, 'private', key.id));
    expect((await tombstone.describe()).status.name).toBe('RUNNING');
    expect(await tombstone.query(tombstoneQuery)).toMatchObject({ cluster: fixture.clusterId, key, retiredBy: retire.workflowId, recoveryPackage: { digest } });

    // Each member's memberRetire is its audit record, covered by the retire's two approvals.
    const node2 = await fixture.client.workflow.getHandle(memberRetireWorkflowId(retire.workflowId, 'node2')).query(memberStateQuery);
    expect(node2).toMatchObject({ state: 'retired', approvals: { coveredBy: retire.workflowId } });
    expect(node2.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1', 'approver-2']);
  });

  it('an operator’s sync of everything leaves the retired key out; a sync naming it restores it and lifts the tombstone', async () => {
    // node2 is restored from a backup taken before the retire: it holds the retired key again.
    const result = await retire.result();
    const recovery = await new DirectoryPackageStore(fixture.packagesDir).get(result.recoveryPackage!.digest);
    await fixture.withToken('node2', (token) => token.importPackage(recovery, { clusterId: fixture.clusterId }));
    const sync = (keyIds?: string[]) =>
      fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
        taskQueue: fixture.orchestratorQueue,
        workflowId: keySyncWorkflowId(fixture.clusterId, `restore-${keyIds ? 'named' : 'all'}`),
        args: [{ cluster: fixture.snapshot(), source: 'node2', ...(keyIds ? { keyIds } : {}), requestedBy: 'operator-1', reason: 'restore test' }],
      });
    const tombstone = fixture.client.workflow.getHandle(tombstoneWorkflowId(fixture.clusterId, 'private', key.id));

    const everything = await sync();
    expect(everything.message).toContain(`Left out retired-ca (private ${key.id}): retired through KeySync; name it in keyIds to restore it.`);
    expect(everything.package).toBeNull();
    expect((await tombstone.describe()).status.name).toBe('RUNNING');
    for (const member of ['node1', 'node3']) expect(await keyObjectsOn(fixture, member, key.id), `the retired key on ${member}`).toEqual({});

    const named = await sync([key.id]);
    expect(named.state).toBe('completed');
    expect(named.message).toContain(`Restored retired retired-ca (private ${key.id}): tombstone lifted.`);
    for (const member of MEMBERS) expect(await keyObjectsOn(fixture, member, key.id), `the restored key on ${member}`).toEqual({ 'private-key': 1, 'public-key': 1, certificate: 1 });
    const lifted = (await tombstone.result()) as TombstoneResult;
    expect(lifted.liftedBy).toEqual({ operationId: named.operationId, requestedBy: 'operator-1' });

    // A sync that names its keys looks up their tombstones beside its export, not before it: the export was scheduled before the look-up answered.
    const events = (JSON.parse(await fetchHistoryJson(fixture.client, named.operationId)) as { events: HistoryEventJson[] }).events;
    const scheduled = (activity: string) => events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activity);
    const lookUp = scheduled('retiredKeys');
    expect(lookUp, 'the look-up as a task-queue activity').toBeDefined();
    const lookUpAnswered = events.find((event) => event.activityTaskCompletedEventAttributes !== undefined && event.activityTaskCompletedEventAttributes.scheduledEventId === lookUp?.eventId);
    expect(lookUpAnswered, 'the look-up answered').toBeDefined();
    expect(Number(scheduled('exportKeys')?.eventId)).toBeLessThan(Number(lookUpAnswered?.eventId));
  });

  it('a rejection ends the retire failed (rejected) before anything is exported or destroyed, and raises no tombstone', async () => {
    const other = await seedKeyEverywhere(fixture, 'node1', 'c0de05', 'kept-key');
    const refused = await startRetire(fixture, other, { requestedBy: 'approver-3' });
    await waitFor(async () => ((await refused.query(operationStateQuery)) as RetireState).approvals.deadline !== undefined, { description: 'the second retire awaiting approvals' });
    await refused.executeUpdate(approveUpdate, { args: [retireApproval(fixture, 0, refused.workflowId, other, 'reject')] });
    const result = await refused.result();
    expect(result).toMatchObject({ state: 'failed', phase: 'approval', recoveryPackage: null, tombstone: null, package: null });
    expect(result.members.map((member) => [member.member, member.state, member.reason])).toEqual(MEMBERS.map((member) => [member, 'failed', 'rejected']));
    expect(result.message).toContain('approver-1 rejected the retire of kept-key (private c0de05); nothing was destroyed.');
    for (const member of MEMBERS) expect(await keyObjectsOn(fixture, member, other.id), `kept-key on ${member}`).toEqual({ 'private-key': 1, 'public-key': 1, certificate: 1 });
    await expect(fixture.client.workflow.getHandle(tombstoneWorkflowId(fixture.clusterId, 'private', other.id)).describe()).rejects.toThrow(/not found/i);
  });

  it('leaves no PIN and no wrapped key bytes in the retire’s histories', async () => {
    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    for (const id of [retire.workflowId, ...MEMBERS.map((member) => memberRetireWorkflowId(retire.workflowId, member)), tombstoneWorkflowId(fixture.clusterId, 'private', key.id)]) {
      expect(secretsIn(await fetchHistoryJson(fixture.client, id), secrets), `secrets in ${id}`).toBe(0);
    }
    recordHistory('retire', retire.workflowId, await fetchHistoryJson(fixture.client, retire.workflowId));
    const node2 = memberRetireWorkflowId(retire.workflowId, 'node2');
    recordHistory('member-retire', node2, await fetchHistoryJson(fixture.client, node2));
  });
});
