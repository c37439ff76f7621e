// Audit archiving (DESIGN section 2). The rule: every KeySync workflow, as its last act, starts a
// detached `archiveHistory` workflow for itself (parent close policy ABANDON); one whose caller waits
// on its end (the availability gate's sync) starts it as its first act instead, so its end costs no
// round trip. That workflow runs the orchestrator's archiveHistory activity, which waits a little for
// the history to close, refuses (retryably) while it is still open, and retries until it is copied. So every history, a child's, a parent's or a standalone memberSync's,
// is archived by one rule, durably, with no dependence on the API or on who awaits whom.
import {
  CancellationScope,
  ParentClosePolicy,
  log,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import { archiveWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { ArchiveHistoryInput } from '../libs/contract/workflow-types';

export async function archiveHistoryWorkflow(input: ArchiveHistoryInput): Promise<{ digest: string }> {
  const { archiveHistory } = proxyActivities<OrchestratorActivities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  return archiveHistory(input);
}

/**
 * Starts the archiving of this history now, for a workflow whose caller waits on its end (the
 * availability gate's sync): its activity waits for the close, so the end of the workflow costs no
 * round trip to start it. The workflow awaits the promise before it returns (the start must be
 * recorded while it runs), which by then has long resolved.
 */
export function archiveThisHistoryFirst(): Promise<void> {
  return archiveThisHistoryWhenClosed();
}

/** Starts the archiving of the current workflow's history; it runs once this workflow has closed. */
export async function archiveThisHistoryWhenClosed(): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  try {
    // Not cancellable: a cancelled or failed operation's history is audit material too.
    await CancellationScope.nonCancellable(() =>
      startChild<typeof archiveHistoryWorkflow>(workflowTypes.archiveHistory, {
        workflowId: archiveWorkflowId(workflowId, runId),
        args: [{ workflowId, runId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }),
    );
  } catch (error) {
    // Archiving must never change an operation's outcome; the history stays in Temporal meanwhile.
    log.warn('could not start archiving this history', { error: error instanceof Error ? error.message : String(error) });
  }
}
