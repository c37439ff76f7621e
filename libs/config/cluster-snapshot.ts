// The part of a cluster's configuration a workflow needs (libs/contract/cluster.ts ClusterSnapshot):
// member ids, approvers' public keys and policy, never a PIN source, module path or token label.
// One mapping for every caller: the API and the drift schedules put it in a workflow's input, the
// orchestrator's resolveCluster activity returns it to a workflow started with a cluster id.
import type { ClusterSnapshot } from '../contract/cluster';
import type { ClusterConfig } from './types';

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
      ...(policy.retire ? { retire: policy.retire } : {}),
    },
  };
}
