// The part of a cluster's configuration a workflow needs, passed in its input so a replay never
// reads configuration (workflows/types.ts ClusterSnapshot).
import type { ApprovalPolicy, ClusterConfig } from '../../../libs/config/types';
import type { ClusterSnapshot } from '../../../workflows/types';

export function clusterSnapshot(cluster: ClusterConfig): ClusterSnapshot {
  const { policy } = cluster;
  return {
    id: cluster.id,
    members: cluster.members.map((member) => member.id),
    approvers: cluster.approvers.map((approver) => ({ id: approver.id, publicKey: approver.publicKey })),
    policy: {
      sync: policy.sync,
      join: policy.join,
      ...(policy.members ? { members: policy.members } : {}),
      parallelism: policy.parallelism,
      packageTtlSeconds: policy.packageTtlSeconds,
    },
  };
}

/** The sync policy that applies to one member (its override, else the cluster's default). */
export function syncPolicyOf(cluster: ClusterConfig, member: string): ApprovalPolicy {
  return cluster.policy.members?.[member] ?? cluster.policy.sync;
}
