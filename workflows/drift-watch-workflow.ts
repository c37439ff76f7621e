// driftWatch (`drift:<cluster>`, started by the cluster's Temporal Schedule, see
// libs/temporal/drift-schedules.ts): one short look at every member, the drift between them, and,
// under policy `auto`, the keySyncs that close it (DESIGN section 5). Each run is a few dozen
// events; the Schedule gives the periodicity, so no history grows with time.
//
// Syncs are started as children with parent close policy ABANDON rather than by a client in an
// activity: the start is part of this deterministic history (replayable, no extra activity, no
// client credentials in the worker), the keySync shows its parent in the UI, and the run ends as
// soon as the children have started. A deterministic child id (from source, keys and targets)
// makes a later run find a sync still waiting for approvals or a node instead of starting a second.
//
// Search attributes: KeySyncCluster, KeySyncKind `drift-watch`, KeySyncState (`running`, then
// `in-sync`, `drift`, `unreachable` or `off`). KeySyncMembers is left unset on purpose: a watch
// changes nothing on a member, and the member audit trail (listed by KeySyncMembers) must not fill
// up with a run per interval.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { surveyCluster } from './cluster-survey';
import { automaticSyncId, clusterKcv, kcvKey, planDriftSyncs } from './drift-plan';
import type { DriftMemberView, DriftSyncRequest, DriftWatchInput, DriftWatchResult, DriftWatchState, StartedDriftSync } from './drift-types';
import type { keySyncWorkflow } from './key-sync-workflow';
import { keySyncWorkflowId } from './messages';
import { computeDrift } from './plan';
import type { Inventories } from './plan';
import { KeySyncCluster, KeySyncKind, KeySyncState } from './search-attributes';
import { agentTiming } from './timing';
import type { ClusterSnapshot, KeySyncResult } from './types';

/** The wire name of this workflow (workflows/index.ts exports it under this name). */
export const driftWatchWorkflowType = 'driftWatch';
/** The principal recorded as requester of the syncs a drift watch starts. */
export const driftWatchRequester = 'drift-watch';

/** Drift watches probe a member once, briefly: the next run looks again. */
const driftTimingDefaults = { nodeProbeSeconds: 5, callSeconds: 120 };

export function driftWatchWorkflowId(cluster: string): string {
  return `drift:${cluster}`;
}

export async function driftWatchWorkflow(input: DriftWatchInput): Promise<DriftWatchResult> {
  const cluster = input.cluster;
  const checkedAt = new Date().toISOString();
  upsertSearchAttributes([
    { key: KeySyncCluster, value: cluster.id },
    { key: KeySyncKind, value: 'drift-watch' },
    { key: KeySyncState, value: 'running' },
  ]);
  const result: DriftWatchResult = { cluster: cluster.id, mode: input.mode, state: 'off', checkedAt, members: [], drift: [], conflicts: [], notExportable: [], syncs: [] };
  if (input.mode === 'off') return finish(result, 'off');

  const timing = agentTiming({ ...driftTimingDefaults, ...input.timing });
  const survey = await surveyCluster(cluster, timing);
  const reference = clusterKcv(survey);
  const inventories: Inventories = {};
  const excluded = new Map<string, DriftMemberView['status']>();
  for (const member of survey) {
    if (member.inventory === null) excluded.set(member.member, 'unreachable');
    else if (member.kcv === null) excluded.set(member.member, 'no-cluster-secrets');
    else if (reference !== null && kcvKey(member.kcv) !== kcvKey(reference)) excluded.set(member.member, 'other-cluster');
    else inventories[member.member] = member.inventory;
  }

  result.drift = computeDrift(inventories);
  result.conflicts = result.drift.filter((entry) => entry.conflicting);
  const plan = planDriftSyncs(result.drift, cluster.members);
  result.notExportable = plan.notExportable;
  result.members = survey.map((member): DriftMemberView => {
    const missingCount = result.drift.filter((entry) => !entry.conflicting && entry.missingOn.includes(member.member)).length;
    const status = excluded.get(member.member) ?? (missingCount > 0 ? 'lacking' : 'in-sync');
    return { member: member.member, status, keyCount: member.inventory?.length ?? null, missingCount };
  });

  if (input.mode === 'auto') {
    for (const request of plan.syncs) {
      const { sync } = await startAutomaticSync(cluster, request, input.requestedBy ?? driftWatchRequester, input.timing, 'drift', checkedAt);
      result.syncs.push(sync);
    }
  }
  const state: DriftWatchState = result.drift.length > 0 ? 'drift' : excluded.size > 0 ? 'unreachable' : 'in-sync';
  return finish(result, state);
}

function finish(result: DriftWatchResult, state: DriftWatchState): DriftWatchResult {
  result.state = state;
  upsertSearchAttributes([{ key: KeySyncState, value: state }]);
  return result;
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
  requestedBy: string,
  timing: DriftWatchInput['timing'],
  kind: 'drift' | 'avail',
  detectedAt: string,
): Promise<{ sync: StartedDriftSync; ended: Promise<KeySyncResult> | null }> {
  const operationId = keySyncWorkflowId(cluster.id, automaticSyncId(kind, request));
  const reason =
    kind === 'drift'
      ? `drift watch: ${request.keyIds.length} key(s) missing on ${request.targets.join(', ')}`
      : `availability request: key ${request.keyIds.join(', ')} missing on ${request.targets.join(', ')}`;
  try {
    const child = await startChild<typeof keySyncWorkflow>('keySync', {
      workflowId: operationId,
      args: [{ cluster, source: request.source, targets: request.targets, keyIds: request.keyIds, requestedBy, reason, ...(timing ? { timing } : {}) }],
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
