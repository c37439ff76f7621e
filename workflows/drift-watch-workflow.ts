// driftWatch (`drift:<cluster>`, started by the cluster's Temporal Schedule, see
// libs/temporal/drift-schedules.ts): one short look at every member, the drift between them, and,
// under policy `auto`, the keySyncs that close it (DESIGN section 5). Each run is a few dozen
// events; the Schedule gives the periodicity, so no history grows with time. Its syncs are
// started by automatic-sync.ts, detached, so the run ends as soon as they have started.
//
// Search attributes: KeySyncCluster, KeySyncKind `drift-watch`, KeySyncState (`running`, then
// `in-sync`, `drift`, `unreachable` or `off`). A key retired through KeySync (a standing tombstone,
// tombstone-workflow.ts) is reported in `retired`, never as drift, so never synced back. KeySyncMembers is left unset on purpose: a watch
// changes nothing on a member, and the member audit trail (listed by KeySyncMembers) must not fill
// up with a run per interval.
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { driftWatchRequester } from '../libs/contract/drift';
import type { DriftMemberView, DriftWatchInput, DriftWatchResult, DriftWatchState } from '../libs/contract/drift';
import { KeySyncCluster, KeySyncKind, KeySyncState } from '../libs/contract/search-attributes';
import { startAutomaticSync } from './automatic-sync';
import { surveyCluster } from './cluster-survey';
import { surveyedForSync } from './surveyed-for-sync';
import { clusterKcv, kcvKey, planCertificateSyncs, planDriftSyncs } from './drift-plan';
import { keyUpdatesPatch } from './key-updates';
import { computeDrift } from './plan';
import type { Inventories } from './plan';
import { agentTiming } from './timing';
import { inventoryKeys, splitRetired } from './retired-keys';
import { standingTombstones, tombstonesPatch } from './tombstones';

/** Drift watches probe a member once, briefly: the next run looks again. */
const driftTimingDefaults = { nodeProbeSeconds: 5, callSeconds: 120 };

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
  // Retired keys (a standing tombstone) are never synced back; runs recorded before retires existed replay without the ask.
  if (patched(tombstonesPatch)) {
    const split = splitRetired(result.drift, inventories, await standingTombstones(cluster.id, inventoryKeys(inventories)));
    result.drift = split.drift;
    result.retired = split.retired;
  }
  result.conflicts = result.drift.filter((entry) => entry.conflicting);
  const plan = planDriftSyncs(result.drift, cluster.members);
  result.notExportable = plan.notExportable;
  result.members = survey.map((member): DriftMemberView => {
    const missingCount = result.drift.filter((entry) => !entry.conflicting && entry.missingOn.includes(member.member)).length;
    const status = excluded.get(member.member) ?? (missingCount > 0 ? 'lacking' : 'in-sync');
    const differsCount = result.drift.filter((entry) => (entry.differsOn ?? []).includes(member.member)).length;
    return { member: member.member, status, keyCount: member.inventory?.length ?? null, missingCount, ...(differsCount > 0 ? { differsCount } : {}) };
  });

  if (input.mode === 'auto') {
    // A renewed certificate heals from the member that holds the newest (runs recorded before updates start only the syncs of missing keys).
    const certificateSyncs = patched(keyUpdatesPatch) ? planCertificateSyncs(result.drift, cluster.members) : [];
    for (const request of [...plan.syncs, ...certificateSyncs]) {
      const { sync } = await startAutomaticSync(cluster, request, {
        requestedBy: input.requestedBy ?? driftWatchRequester,
        timing: input.timing,
        kind: 'drift',
        detectedAt: checkedAt,
        surveyed: surveyedForSync(survey, request.keyIds, [request.source, ...request.targets]),
      });
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
