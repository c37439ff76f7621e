// Shared steps of the retire tests: a key with its public key and certificate on every member,
// a retire started by wire name, approvals signed over its challenge (member *), and the key's
// objects on a token counted with pkcs11-tool (an independent witness, not libs/hsm).
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { AgentTiming } from '../../../libs/contract/agent-timing';
import type { Approval, Decision } from '../../../libs/contract/approvals';
import type { KeyRef } from '../../../libs/contract/keys';
import { everyMember, retireSubject } from '../../../libs/contract/retire';
import type { RetireInput } from '../../../libs/contract/retire';
import { keySyncWorkflowId, retireWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import type { KeySyncWorkflow, RetireWorkflow } from '../../../libs/contract/workflow-types';
import { countTokenObjects } from '../../faults/support/token-objects';
import { makeCertificate } from '../../hsm/support/certificate';
import { signApproval } from './approvers';
import type { ClusterFixture } from './cluster-fixture';

/** An EC key with its certificate on `holder`, synced (no approvals asked) to every other member; its KeyRef. */
export async function seedKeyEverywhere(fixture: ClusterFixture, holder: string, id: string, label: string): Promise<KeyRef> {
  const group = await fixture.withToken(holder, async (token) => {
    await token.generateKey({ keyType: 'ec', curve: 'P-256', label, id });
    const der = await token.publicKeyDer({ class: 'private', id });
    return token.importCertificate({ class: 'private', id }, makeCertificate(der!, label));
  });
  const sync = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
    taskQueue: fixture.orchestratorQueue,
    workflowId: keySyncWorkflowId(fixture.clusterId, `seed-${randomUUID()}`),
    args: [{ cluster: fixture.snapshot(), source: holder, keyIds: [id], requestedBy: 'operator-1', reason: `seed ${label}` }],
  });
  if (sync.state !== 'completed') throw new Error(`seeding ${label} failed: ${JSON.stringify(sync.members)}`);
  return { class: 'private', id, label, fingerprint: group.fingerprint };
}

export function startRetire(
  fixture: ClusterFixture,
  key: KeyRef,
  options: { requestedBy?: string; holders?: string[]; timing?: Partial<AgentTiming>; retireId?: string } = {},
): Promise<WorkflowHandle<RetireWorkflow>> {
  const input: RetireInput = {
    cluster: fixture.snapshot(),
    key,
    exportable: true,
    holders: options.holders ?? fixture.cluster.members.map((member) => member.id),
    requestedBy: options.requestedBy ?? 'operator-1',
    reason: `retire ${key.label}`,
    ...(options.timing ? { timing: options.timing } : {}),
  };
  return fixture.client.workflow.start<RetireWorkflow>(workflowTypes.retire, {
    taskQueue: fixture.orchestratorQueue,
    workflowId: retireWorkflowId(fixture.clusterId, options.retireId ?? randomUUID()),
    args: [input],
  });
}

/** An approval of the retire signed by the fixture's approver at `index`, over its canonical challenge. */
export function retireApproval(fixture: ClusterFixture, index: number, retireId: string, key: KeyRef, decision: Decision = 'approve'): Approval {
  return signApproval(fixture.approvers[index]!, { workflowId: retireId, member: everyMember, subject: retireSubject(key) }, decision);
}

/** The token objects (private key, public key, certificate) with the key's CKA_ID on a member, by kind, counted by pkcs11-tool. */
export async function keyObjectsOn(fixture: ClusterFixture, member: string, id: string): Promise<Record<string, number>> {
  const config = fixture.cluster.members.find((candidate) => candidate.id === member);
  if (!config) throw new Error(`no member ${member}`);
  const counts = await countTokenObjects(config, fixture.pins[member]!);
  const objects: Record<string, number> = {};
  for (const [key, count] of counts) {
    const [kind, objectId] = key.split(':');
    if (objectId === id.toLowerCase()) objects[kind!] = count;
  }
  return objects;
}
