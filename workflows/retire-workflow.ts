// retire (`retire:<cluster>:<retireId>`): a key destroyed on every member (DESIGN 13). In order,
// and nothing destroyed before the first three are done:
//   1. approvals, collected once for the whole operation under policy `retire` (member `*`, four
//      eyes, one count per approver), over the subject `retire:<class>:<id>:<fingerprint>`;
//   2. a recovery package of the key exported from a member that holds it (when it is
//      exportable), kept importable for policy.retire.recoveryDays;
//   3. the tombstone (tombstone-workflow.ts), so that from now on no drift watch or automatic sync
//      brings the key back to a member it has left;
//   4. one memberRetire child per member, which destroys the key there and proves it gone.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ParentClosePolicy,
  continueAsNew,
  WorkflowIdReusePolicy,
  executeChild,
  isCancellation,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ExportKeysResult, NodeAgentActivities } from '../libs/contract/activities';
import { challengeQuery, operationStateQuery } from '../libs/contract/messages';
import type { MemberFailureReason, MemberSummary, OperationStatus } from '../libs/contract/operations';
import { describeProblems, retireRequestProblems } from '../libs/contract/request-rules';
import { everyMember, retirePolicyOf, retireSubject } from '../libs/contract/retire';
import type { RetireInput, RetireResult, RetireState, Tombstone } from '../libs/contract/retire';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../libs/contract/search-attributes';
import { memberRetireWorkflowId, tombstoneWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { MemberRetireWorkflow, TombstoneWorkflow } from '../libs/contract/workflow-types';
import { callAgent } from './agent-call';
import type { AgentCallOptions } from './agent-call';
import { ApprovalGate } from './approval-gate';
import { archiveThisHistoryWhenClosed } from './archive-workflow';
import { adviceFor, reasonForFailureType } from './failure-reasons';
import { announceAwaitingApproval, announceEnded } from './notifications';
import { runBounded } from './pool';
import { agentTiming } from './timing';

const SECONDS_PER_DAY = 86_400;

export async function retireWorkflow(input: RetireInput): Promise<RetireResult> {
  const { workflowId } = workflowInfo();
  const timing = agentTiming(input.timing);
  const { cluster, key } = input;
  const policy = retirePolicyOf(cluster.policy);
  validateRetireInput(input);

  const gate = new ApprovalGate({
    workflowId,
    member: everyMember,
    requestedBy: input.requestedBy,
    approvers: cluster.approvers,
    // A run that continues an approved one carries its approvals: they are not asked twice.
    required: input.resume ? 0 : policy.approvals,
    timeoutSeconds: policy.timeoutSeconds,
  });
  if (input.resume) gate.restore(input.resume.approvals);
  const operation: RetireState = {
    operationId: workflowId,
    kind: 'retire',
    cluster: cluster.id,
    requestedBy: input.requestedBy,
    reason: input.reason,
    state: 'running',
    package: null,
    members: cluster.members.map((member) => ({ member, state: 'pending', keysImported: 0, keysSkipped: 0, attempts: 0 })),
    notExportable: input.exportable ? [] : [key],
    key,
    phase: 'approval',
    approvals: gate.status,
    recoveryPackage: null,
    tombstone: null,
  };
  gate.install();
  setHandler(operationStateQuery, () => operation);
  // Approvals cover every member at once: the challenge answers for `*` (or no member named, as the Temporal UI may send).
  setHandler(challengeQuery, (member) => (member === undefined || member === everyMember ? gate.challenge(everyMember) : null));
  upsertSearchAttributes([
    { key: KeySyncCluster, value: cluster.id },
    { key: KeySyncMembers, value: [...cluster.members] },
    { key: KeySyncKind, value: 'retire' },
    { key: KeySyncState, value: 'running' },
  ]);
  const summaryOf = (member: string): MemberSummary => operation.members.find((summary) => summary.member === member) as MemberSummary;
  const failOpen = (reason: MemberFailureReason, detail: string): void => {
    for (const summary of operation.members) {
      if (summary.state !== 'retired' && summary.state !== 'failed') Object.assign(summary, { state: 'failed', reason, detail: `${detail} ${adviceFor(reason)}` });
    }
  };
  const finish = (state: OperationStatus, message?: string): RetireResult => {
    operation.state = state;
    if (message !== undefined) operation.message = message;
    upsertSearchAttributes([{ key: KeySyncState, value: state }]);
    return operation;
  };
  const what = `${key.label} (${key.class} ${key.id})`;

  try {
    for (const summary of operation.members) if (gate.asksApproval()) summary.state = 'awaiting-approval';
    const decision = await gate.decide(retireSubject(key), () => announceAwaitingApproval(operation, everyMember, gate.status));
    if (decision !== 'approved') {
      const by = gate.status.granted.find((record) => record.decision === 'reject')?.approverId ?? 'an approver';
      const [reason, detail]: [MemberFailureReason, string] =
        decision === 'rejected'
          ? ['rejected', `${by} rejected the retire of ${what}; nothing was destroyed.`]
          : decision === 'timeout'
            ? ['approval-timeout', `The retire of ${what} needed ${policy.approvals} approval(s) within ${policy.timeoutSeconds}s; nothing was destroyed.`]
            : ['approval-timeout', `The retire policy asks ${policy.approvals} approvals but fewer registered approvers may approve (the requester may not); nothing was destroyed.`];
      failOpen(reason, detail);
      return finish('failed', detail);
    }
    for (const summary of operation.members) summary.state = 'pending';

    operation.phase = 'recovery-package';
    if (input.exportable) {
      const exported = await exportRecoveryPackage(input, workflowId, policy.recoveryDays * SECONDS_PER_DAY, timing, operation);
      if (exported === null) {
        const detail = `No member holding ${what} could export it (${input.holders.join(', ')}), so no recovery package was made and nothing was destroyed.`;
        failOpen('hsm-error', detail);
        return finish('failed', detail);
      }
      delete operation.message;
      operation.package = { digest: exported.package.digest, keyCount: exported.package.keyCount };
      operation.recoveryPackage = { digest: exported.package.digest, expiresAt: new Date(Date.now() + policy.recoveryDays * SECONDS_PER_DAY * 1000).toISOString() };
    }

    operation.phase = 'tombstone';
    operation.tombstone = await raiseTombstone({ cluster: cluster.id, key, retiredBy: workflowId, retiredAt: new Date().toISOString(), recoveryPackage: operation.recoveryPackage });

    operation.phase = 'destroy';
    const approvedBy = { member: everyMember, operationId: workflowId, approvals: gate.status.granted };
    await runBounded(cluster.members, cluster.policy.parallelism, async (member) => {
      const summary = summaryOf(member);
      const childId = memberRetireWorkflowId(workflowId, member);
      summary.workflowId = childId;
      try {
        const result = await executeChild<MemberRetireWorkflow>(workflowTypes.memberRetire, {
          workflowId: childId,
          args: [{ cluster: cluster.id, member, operationId: workflowId, requestedBy: input.requestedBy, reason: input.reason, key, approvedBy, timing: input.timing }],
        });
        Object.assign(summary, { state: result.state, reason: result.reason, detail: result.detail, attempts: result.attempts, objectsDestroyed: result.objectsDestroyed ?? 0 });
      } catch (error) {
        if (isCancellation(error)) Object.assign(summary, { state: 'failed', reason: 'cancelled', detail: `The retire on ${member} was cancelled.` });
        else Object.assign(summary, { state: 'failed', reason: 'hsm-error', detail: `The retire on ${member} ended abnormally: ${error instanceof Error ? error.message : String(error)}.` });
      }
    });
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('the retire was cancelled');
    operation.phase = 'done';
    const all = operation.members.every((summary) => summary.state === 'retired');
    return finish(all ? 'completed' : 'failed', all ? `${what} is retired on every member.` : undefined);
  } catch (error) {
    if (isCancellation(error)) {
      failOpen('cancelled', `The retire of ${what} was cancelled during ${operation.phase}.`);
      finish('cancelled');
      throw error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      const detail = `The retire of ${what} failed during ${operation.phase}: ${error.message}`;
      failOpen(reasonForFailureType(error.type ?? ''), detail);
      return finish('failed', detail);
    }
    throw error;
  } finally {
    await Promise.all([announceEnded(operation), archiveThisHistoryWhenClosed()]);
  }
}

/**
 * The recovery package, from the first holder that answers (each asked once, briefly), else from
 * the first holder once it is back. Null when no holder has the key exportable with its fingerprint.
 */
async function exportRecoveryPackage(input: RetireInput, operationId: string, ttlSeconds: number, timing: ReturnType<typeof agentTiming>, operation: RetireState): Promise<ExportKeysResult | null> {
  const { key } = input;
  const options = (member: string): AgentCallOptions => ({
    cluster: input.cluster.id,
    member,
    timing,
    heartbeats: false,
    hooks: {
      onWaitingForNode: async () => {
        operation.message = `Waiting for the agent of ${member}, which holds ${key.label}, to export its recovery package: start it (npm run worker -- --member ${member}).`;
        // Approved, nothing exported or destroyed yet: a new run carrying the approvals loses nothing.
        if (workflowInfo().historyLength >= timing.continueAsNewAfterEvents) {
          await continueAsNew<typeof retireWorkflow>({ ...input, resume: { approvals: operation.approvals } });
        }
      },
    },
  });
  const exportKey = (agent: NodeAgentActivities): Promise<ExportKeysResult> => agent.exportKeys({ operationId, keys: [{ class: key.class, id: key.id }], ttlSeconds });
  const holds = (exported: ExportKeysResult | null): exported is ExportKeysResult =>
    exported !== null && exported.entries.some((entry) => entry.class === key.class && entry.id.toLowerCase() === key.id && entry.fingerprint.toLowerCase() === key.fingerprint);
  let anyAnswered = false;
  for (const holder of input.holders) {
    const exported = await callAgent({ ...options(holder), probeOnce: true }, exportKey);
    if (exported !== null) anyAnswered = true;
    if (holds(exported)) return exported;
  }
  if (anyAnswered || input.holders.length === 0) return null;
  // Every holder is away: wait for the first one.
  const exported = await callAgent(options(input.holders[0] as string), exportKey);
  return holds(exported) ? exported : null;
}

/** Starts the key's tombstone (detached: it outlives this retire), or finds it standing from an earlier retire. */
async function raiseTombstone(tombstone: Tombstone): Promise<string> {
  const id = tombstoneWorkflowId(tombstone.cluster, tombstone.key.class, tombstone.key.id);
  try {
    await startChild<TombstoneWorkflow>(workflowTypes.tombstone, {
      workflowId: id,
      args: [tombstone],
      memo: { tombstone },
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A lifted tombstone is closed: the key may be retired again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return id;
}

function validateRetireInput(input: RetireInput): void {
  const problems = retireRequestProblems(input, { id: input.cluster.id, members: input.cluster.members });
  if (problems.length > 0) {
    throw ApplicationFailure.create({ type: 'invalid-input', message: `Cannot start this retire: ${describeProblems(problems)}.`, nonRetryable: true });
  }
}
