// clusterInventory (`inventory:<cluster>:<requestId>`): every member's keys and the drift between
// them, for GET /v1/clusters/{cluster}/inventory and `keysync inventory`. One look through the
// cluster survey (a member down is reported, never waited for), no change anywhere, so no
// KeySyncMembers (the member audit trail stays about operations) and no archiving.
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClusterInventoryInput, ClusterInventoryResult, MemberKeys } from '../libs/contract/cluster-inventory';
import { KeySyncCluster, KeySyncKind, KeySyncState } from '../libs/contract/search-attributes';
import { surveyCluster } from './cluster-survey';
import { computeDrift } from './plan';
import type { Inventories } from './plan';
import { agentTiming } from './timing';
import { inventoryKeys, splitRetired } from './retired-keys';
import { standingTombstones, tombstonesPatch } from './tombstones';

export async function clusterInventoryWorkflow(input: ClusterInventoryInput): Promise<ClusterInventoryResult> {
  const checkedAt = new Date().toISOString();
  upsertSearchAttributes([
    { key: KeySyncCluster, value: input.cluster.id },
    { key: KeySyncKind, value: 'inventory' },
  ]);
  const survey = await surveyCluster(input.cluster, agentTiming({ nodeProbeSeconds: 3, callSeconds: 60, ...input.timing }));
  const inventories: Inventories = {};
  for (const member of survey) inventories[member.member] = member.inventory;
  const members = survey.map((member): MemberKeys => ({
    member: member.member,
    keys: member.inventory,
    hasClusterSecrets: member.inventory === null ? null : member.kcv !== null,
    ...(member.inventory !== null && member.kcv ? { clusterSecretsKcv: { ktkKcv: member.kcv.ktkKcv, pmkKcv: member.kcv.pmkKcv } } : {}),
    ...(member.problem ? { error: member.problem } : {}),
  }));
  let drift = computeDrift(inventories);
  let retired: ClusterInventoryResult['retired'];
  // Retired keys still found on a member show as retired, not as drift.
  if (patched(tombstonesPatch)) ({ drift, retired } = splitRetired(drift, inventories, await standingTombstones(input.cluster.id, inventoryKeys(inventories))));
  upsertSearchAttributes([{ key: KeySyncState, value: drift.length > 0 ? 'drift' : survey.some((member) => member.inventory === null) ? 'unreachable' : 'in-sync' }]);
  return { cluster: input.cluster.id, checkedAt, members, drift, ...(retired ? { retired } : {}) };
}
