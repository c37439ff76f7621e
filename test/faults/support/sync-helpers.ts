// Shared steps of the fault tests: keys on the founder, starting a keySync, reading member states.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { AgentTiming } from '../../../libs/contract/agent-timing';
import { memberStateQuery } from '../../../libs/contract/messages';
import type { MemberState } from '../../../libs/contract/operations';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../../../libs/contract/workflow-types';
import type { ClusterFixture } from '../../workflows/support/cluster-fixture';

/** EC P-256 keys with ids 0001.., and a few RSA-2048 keys with ids f001..: both kinds of unwrap. */
export async function generateFounderKeys(fixture: ClusterFixture, founder: string, ecCount: number, rsaCount: number): Promise<void> {
  await fixture.withToken(founder, async (token) => {
    for (let index = 1; index <= ecCount; index += 1) {
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: `ec-${index}`, id: index.toString(16).padStart(4, '0') });
    }
    for (let index = 1; index <= rsaCount; index += 1) {
      await token.generateKey({ keyType: 'rsa', size: 2048, label: `rsa-${index}`, id: `f${index.toString(16).padStart(3, '0')}` });
    }
  });
}

export async function startKeySync(fixture: ClusterFixture, source: string, timing: Partial<AgentTiming>): Promise<WorkflowHandle<KeySyncWorkflow>> {
  return fixture.client.workflow.start<KeySyncWorkflow>('keySync', {
    taskQueue: fixture.orchestratorQueue,
    workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
    args: [{ cluster: fixture.snapshot(), source, requestedBy: 'fault-test', reason: 'fault test', timing }],
  });
}

/** The member's live state, or null while its memberSync has not started. */
export async function memberState(fixture: ClusterFixture, keySyncId: string, member: string): Promise<MemberState | null> {
  try {
    const status = await fixture.client.workflow.getHandle(memberSyncWorkflowId(keySyncId, member)).query(memberStateQuery);
    return status.state;
  } catch {
    return null;
  }
}
