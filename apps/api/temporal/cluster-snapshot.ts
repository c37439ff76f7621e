// What the API's controllers take from a cluster's configuration. The snapshot a workflow's input
// carries is mapped in one place for the API, the worker and the drift schedules.
import type { ApprovalPolicy, ClusterConfig } from '../../../libs/config/types';

export { clusterSnapshot } from '../../../libs/config/cluster-snapshot';

/** The sync policy that applies to one member (its override, else the cluster's default). */
export function syncPolicyOf(cluster: ClusterConfig, member: string): ApprovalPolicy {
  return cluster.policy.members?.[member] ?? cluster.policy.sync;
}
