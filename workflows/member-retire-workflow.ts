// memberRetire (`retire:<cluster>:<retireId>:<member>`): one member's part of a retire. Its
// agent destroys the retired key's objects inside the member's write lock (a retry after a crash
// finds what is left and finishes it: libs/hsm/retire-group.ts), then an inventory proves the key
// is gone. A member whose agent is down waits (waiting-for-node) and completes when it is back.
// Its history is that member's audit record of the retire; its approvals are the retire's, given
// once for every member (DESIGN 13).
import { ApplicationFailure, continueAsNew, isCancellation, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { memberStateQuery } from '../libs/contract/messages';
import type { MemberFailureReason, MemberState, MemberStatus } from '../libs/contract/operations';
import type { MemberRetireInput, MemberRetireResult } from '../libs/contract/retire';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../libs/contract/search-attributes';
import { callAgent } from './agent-call';
import type { AgentCallHooks } from './agent-call';
import { archiveThisHistoryWhenClosed } from './archive-workflow';
import { adviceFor, reasonForFailureType } from './failure-reasons';
import { agentTiming } from './timing';

export async function memberRetireWorkflow(input: MemberRetireInput): Promise<MemberRetireResult> {
  const { workflowId } = workflowInfo();
  const timing = agentTiming(input.timing);
  const { key } = input;
  const status: MemberStatus = {
    member: input.member,
    workflowId,
    state: 'pending',
    keysImported: 0,
    keysSkipped: 0,
    attempts: input.resume?.attempts ?? 0,
    objectsDestroyed: input.resume?.objectsDestroyed ?? 0,
    approvals: { required: 0, granted: [...input.approvedBy.approvals], refused: [], coveredBy: input.approvedBy.operationId },
    conflicts: [],
  };
  setHandler(memberStateQuery, () => status);
  upsertSearchAttributes([
    { key: KeySyncCluster, value: input.cluster },
    { key: KeySyncMembers, value: [input.member] },
    { key: KeySyncKind, value: 'member-retire' },
    { key: KeySyncState, value: 'pending' },
  ]);
  const enter = (state: MemberState): void => {
    if (status.state === state) return;
    status.state = state;
    upsertSearchAttributes([{ key: KeySyncState, value: state }]);
  };
  const fail = (reason: MemberFailureReason, detail: string): MemberRetireResult => {
    status.reason = reason;
    status.detail = `${detail} ${adviceFor(reason)}`;
    enter('failed');
    return status;
  };
  const hooks = (working: MemberState): AgentCallHooks => ({
    onWaitingForNode: async () => {
      enter('waiting-for-node');
      if (workflowInfo().historyLength >= timing.continueAsNewAfterEvents) {
        await continueAsNew<typeof memberRetireWorkflow>({ ...input, resume: { attempts: status.attempts, objectsDestroyed: status.objectsDestroyed ?? 0 } });
      }
    },
    onNodeBack: () => enter(working),
    onAttempt: () => enter(working),
    onRetry: (error) => {
      status.lastError = error;
    },
  });
  const agentOptions = { cluster: input.cluster, member: input.member, timing };
  const what = `${key.label} (${key.class} ${key.id})`;

  try {
    enter('destroying');
    const destroyHooks = hooks('destroying');
    const destroyed = await callAgent(
      {
        ...agentOptions,
        heartbeats: true,
        hooks: {
          ...destroyHooks,
          onAttempt: () => {
            status.attempts += 1;
            destroyHooks.onAttempt?.();
          },
        },
      },
      (agent) => agent.destroyKeyGroup({ operationId: input.operationId, key }),
    );
    status.objectsDestroyed = (status.objectsDestroyed ?? 0) + destroyed.destroyed;

    enter('verifying');
    const inventory = await callAgent({ ...agentOptions, heartbeats: false, hooks: hooks('verifying') }, (agent) => agent.inventoryKeys());
    const still = inventory.some((group) => group.class === key.class && group.id.toLowerCase() === key.id && group.fingerprint.toLowerCase() === key.fingerprint);
    if (still) return fail('hsm-error', `${input.member} still lists the retired key ${what} after its destroy.`);
    status.detail =
      destroyed.destroyed > 0 || (status.objectsDestroyed ?? 0) > 0
        ? `Destroyed ${status.objectsDestroyed} object(s) of ${what}.`
        : `${input.member} did not hold ${what}: nothing to destroy.`;
    delete status.lastError;
    enter('retired');
    return status;
  } catch (error) {
    if (isCancellation(error)) {
      fail('cancelled', `The retire on ${input.member} was cancelled while ${status.state}.`);
      throw error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) return fail(reasonForFailureType(error.type ?? ''), error.message);
    throw error;
  } finally {
    await archiveThisHistoryWhenClosed();
  }
}
