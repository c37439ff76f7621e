// The visibility queries the API lists and counts workflows by, written once. Values come from
// ids the API validated (clusters and members match a pattern without quotes), the contract's
// lists and times the API makes; quoted() still escapes, so a query can never be broken out of.
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../../../libs/contract/search-attributes';
import { workflowTypes } from '../../../libs/contract/workflow-types';

function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Every workflow that names the member: its audit trail. */
export function memberTrailQuery(cluster: string, member: string): string {
  return `${KeySyncCluster.name} = ${quoted(cluster)} AND ${KeySyncMembers.name} = ${quoted(member)}`;
}

/** The cluster's completed drift watches, whose results the metrics show. */
export function completedDriftWatchesQuery(cluster: string): string {
  return `WorkflowType = ${quoted(workflowTypes.driftWatch)} AND ${KeySyncCluster.name} = ${quoted(cluster)} AND ExecutionStatus = 'Completed'`;
}

/** The cluster's workflows of one kind in one state (KeySyncKind, KeySyncState). */
export function kindInStateQuery(cluster: string, kind: string, state: string): string {
  return `${KeySyncCluster.name} = ${quoted(cluster)} AND ${KeySyncKind.name} = ${quoted(kind)} AND ${KeySyncState.name} = ${quoted(state)}`;
}

/** The cluster's key syncs that completed after a moment. */
export function syncsCompletedAfterQuery(cluster: string, after: Date): string {
  return `${KeySyncCluster.name} = ${quoted(cluster)} AND ${KeySyncKind.name} = 'sync' AND ExecutionStatus = 'Completed' AND CloseTime > ${quoted(after.toISOString())}`;
}

/** The cluster's operations of these kinds, in one state when given (KeySyncState). */
export function clusterOperationsQuery(cluster: string, kinds: readonly string[], state?: string): string {
  const kindIn = `${KeySyncKind.name} IN (${kinds.map(quoted).join(', ')})`;
  return `${KeySyncCluster.name} = ${quoted(cluster)} AND ${kindIn}${state ? ` AND ${KeySyncState.name} = ${quoted(state)}` : ''}`;
}
