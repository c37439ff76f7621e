// What an operation tells the webhooks (DESIGN 14): `awaiting-approval` when a member starts
// waiting for approvers, `operation-ended` with the final state. Each event is a detached `notify`
// child workflow (notify-workflow.ts, parent close policy ABANDON) rather than an activity of the
// operation: the operation awaits only the child's start (a round trip to Temporal, as for
// archiving), never the receiver, so a receiver that is down delays and fails nothing, and its
// retries go on after the operation has closed (an activity the operation did not await would be
// abandoned when it closes). Starting a child is a command like any other, recorded in this
// history, so replay is deterministic; behind patched(notificationsPatch), histories recorded
// before notifications replay without the command.
//
// An orchestrator whose configuration lists no webhook would start a notify that posts nothing, a
// round trip at the end of every operation (the availability gate waits on it). So the operation
// first asks which webhooks there are, by a local activity (run in the same workflow task, no
// round trip; its result recorded as a marker, so a replay decides the same), and starts the child
// only when there is one. Behind patched(webhooksAskedPatch): histories recorded before the ask
// start the child, as they did.
import { CancellationScope, ParentClosePolicy, log, patched, proxyLocalActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import type { ApprovalStatus } from '../libs/contract/approvals';
import type { NotificationEventType, OperationEvent } from '../libs/contract/notifications';
import type { MemberSummary, OperationState } from '../libs/contract/operations';
import { notifyWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { NotifyWorkflow } from '../libs/contract/workflow-types';

export const notificationsPatch = 'notifications';
export const webhooksAskedPatch = 'notifications-webhooks-asked';

const { notificationWebhooks } = proxyLocalActivities<OrchestratorActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 },
});

/** False only when the orchestrator's configuration lists no webhook; an ask that fails counts as some (the notify decides). */
async function anyWebhook(): Promise<boolean> {
  try {
    return (await notificationWebhooks()).length > 0;
  } catch (error) {
    log.warn('could not ask for the notification webhooks: starting the notification anyway', { error: error instanceof Error ? error.message : String(error) });
    return true;
  }
}

/** What an event says of an operation: the parts of its state that are public facts. */
export type AnnouncedOperation = Pick<OperationState, 'operationId' | 'kind' | 'cluster' | 'state' | 'requestedBy'> & {
  members: ReadonlyArray<Pick<MemberSummary, 'member' | 'state' | 'reason'>>;
};

/** Tells the webhooks that `approval.member` (`*`: every member) now waits for approvers. */
export function announceAwaitingApproval(operation: AnnouncedOperation, member: string, approvals: ApprovalStatus): Promise<void> {
  return announce('awaiting-approval', operation, {
    approval: { member, required: approvals.required, ...(approvals.deadline ? { deadline: approvals.deadline } : {}) },
  });
}

/** Tells the webhooks that the operation ended; nothing while it still runs (a continue-as-new passes through here too). */
export async function announceEnded(operation: AnnouncedOperation): Promise<void> {
  if (operation.state === 'running') return;
  await announce('operation-ended', operation, {});
}

async function announce(event: NotificationEventType, operation: AnnouncedOperation, extra: Pick<OperationEvent, 'approval'>): Promise<void> {
  if (!patched(notificationsPatch)) return;
  if (patched(webhooksAskedPatch) && !(await CancellationScope.nonCancellable(anyWebhook))) return;
  const { workflowId, runId } = workflowInfo();
  const eventId = notifyWorkflowId(workflowId, runId, event);
  const payload: OperationEvent = {
    event,
    eventId,
    time: new Date().toISOString(),
    operationId: operation.operationId,
    kind: operation.kind,
    cluster: operation.cluster,
    state: operation.state,
    requestedBy: operation.requestedBy,
    members: operation.members.map(({ member, state, reason }) => ({ member, state, ...(reason ? { reason } : {}) })),
    ...extra,
  };
  try {
    // Not cancellable: a cancelled operation's end is news too.
    await CancellationScope.nonCancellable(() =>
      startChild<NotifyWorkflow>(workflowTypes.notify, { workflowId: eventId, args: [{ event: payload }], parentClosePolicy: ParentClosePolicy.ABANDON }),
    );
  } catch (error) {
    // A notification must never change an operation's outcome.
    log.warn('could not start a notification', { event, error: error instanceof Error ? error.message : String(error) });
  }
}
