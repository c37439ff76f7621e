// The configuration the API runs on, as an injectable class: controllers and services ask for
// ApiConfig by type instead of a string token, and look clusters up in one place.
import type { ClusterConfig, ClusterMemberConfig, KeySyncConfig } from '../../../libs/config/types';
import { orchestratorTaskQueue } from '../../../libs/contract/task-queues';
import { ApiError } from '../errors/api-error';

export interface ApiRuntimeOptions {
  /** The queue the orchestrator polls; tests that run their own orchestrator give theirs. */
  orchestratorTaskQueue?: string;
}

export class ApiConfig {
  readonly orchestratorTaskQueue: string;

  constructor(
    readonly keysync: KeySyncConfig,
    options: ApiRuntimeOptions = {},
  ) {
    this.orchestratorTaskQueue = options.orchestratorTaskQueue ?? orchestratorTaskQueue;
  }

  get temporal(): KeySyncConfig['temporal'] {
    return this.keysync.temporal;
  }

  /** The cluster with that id, or a 404 that names the clusters there are. */
  cluster(clusterId: string): ClusterConfig {
    const cluster = this.keysync.clusters.find((candidate) => candidate.id === clusterId);
    if (cluster) return cluster;
    const known = this.keysync.clusters.map((candidate) => candidate.id).join(', ') || 'none';
    throw ApiError.notFound('cluster-not-found', `There is no cluster "${clusterId}" (clusters: ${known}). Use GET /v1/clusters to list them.`);
  }

  /** The member of that cluster, or a 404 that names the cluster's members. */
  member(clusterId: string, memberId: string): ClusterMemberConfig {
    const cluster = this.cluster(clusterId);
    const member = cluster.members.find((candidate) => candidate.id === memberId);
    if (member) return member;
    const known = cluster.members.map((candidate) => candidate.id).join(', ');
    throw ApiError.notFound(
      'member-not-found',
      `Cluster "${clusterId}" has no member "${memberId}" (members: ${known}). Use GET /v1/clusters/${clusterId} to list them.`,
    );
  }
}
