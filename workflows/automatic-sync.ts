// The keySyncs that a drift watch or an availability request starts by itself. Started as
// children with parent close policy ABANDON rather than by a client in an activity: the start is
// part of the caller's deterministic history (replayable, no extra activity, no client credentials
// in the worker), the keySync shows its parent in the UI, and the caller can end before it does. A
// deterministic child id (from source, keys and targets) makes a later run find a sync still
// waiting for approvals or a node instead of starting a second.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, startChild } from '@temporalio/workflow';
import type { ClusterSnapshot } from '../libs/contract/cluster';
import type { DriftSyncRequest, DriftWatchInput, StartedDriftSync } from '../libs/contract/drift';
import type { KeySyncResult } from '../libs/contract/operation-inputs';
import type { SurveyedMember } from '../libs/contract/token-survey';
import { keySyncWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../libs/contract/workflow-types';
import { automaticSyncId } from './drift-plan';

export interface AutomaticSyncOptions {
  requestedBy: string;
  timing: DriftWatchInput['timing'];
  kind: 'drift' | 'avail';
  /** When the gap was seen. */
  detectedAt: string;
  /** What the caller's survey saw of the sync's members (surveyedForSync): the sync's pre-flight does not ask them again. */
  surveyed?: SurveyedMember[] | undefined;
}

/**
 * Starts a keySync (parent close policy ABANDON) for an automatic request, or finds the one with
 * the same id still running. The memo is what the API writes for the syncs it starts, plus when
 * the gap was seen (the metrics measure detection to in-sync from it). `ended` resolves when a
 * sync this call started ends (while the caller is open); null when it was found running.
 */
export async function startAutomaticSync(
  cluster: ClusterSnapshot,
  request: DriftSyncRequest,
  { requestedBy, timing, kind, detectedAt, surveyed }: AutomaticSyncOptions,
): Promise<{ sync: StartedDriftSync; ended: Promise<KeySyncResult> | null }> {
  const operationId = keySyncWorkflowId(cluster.id, automaticSyncId(kind, request));
  const reason =
    kind === 'drift'
      ? `drift watch: ${request.keyIds.length} key(s) missing on ${request.targets.join(', ')}`
      : `availability request: key ${request.keyIds.join(', ')} missing on ${request.targets.join(', ')}`;
  try {
    const child = await startChild<KeySyncWorkflow>(workflowTypes.keySync, {
      workflowId: operationId,
      args: [{ cluster, source: request.source, targets: request.targets, keyIds: request.keyIds, requestedBy, reason, automatic: kind, ...(timing ? { timing } : {}), ...(surveyed ? { surveyed } : {}) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A closed sync of the same gap may run again (it failed, or the key went missing again).
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      memo: { requestedBy, cluster: cluster.id, members: [request.source, ...request.targets], detectedAt, automatic: kind },
    });
    return { sync: { ...request, operationId, started: true }, ended: child.result() };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { sync: { ...request, operationId, started: false }, ended: null };
    throw error;
  }
}
