// A keySync or join started with a cluster id (the Temporal UI's small input) takes its cluster's
// snapshot (members, approvers' public keys, policy) from the orchestrator's configuration through
// the resolveCluster activity. Its result is recorded in the history, so a replay reads it from
// there, never from configuration, and an auditor sees exactly which approver keys and policy
// applied. An input that carries a snapshot is used as it is, with no activity.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import type { ClusterSnapshot } from '../libs/contract/cluster';

const { resolveCluster } = proxyActivities<OrchestratorActivities>({
  startToCloseTimeout: '30 seconds',
  // A lookup in memory: a failure that retrying can cure is a worker that went away mid-call.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** The snapshot of the configured cluster with this id; fails the workflow (non-retryable) when there is none. */
export async function clusterFromConfiguration(clusterId: string): Promise<ClusterSnapshot> {
  if (clusterId.trim() === '') {
    throw ApplicationFailure.create({ type: 'invalid-input', message: 'The input names no cluster: set "cluster" to a configured cluster id, e.g. "demo".', nonRetryable: true });
  }
  try {
    return await resolveCluster(clusterId);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    if (cause instanceof ApplicationFailure && cause.type === 'unknown-cluster') {
      throw ApplicationFailure.create({ type: 'unknown-cluster', message: cause.message, nonRetryable: true });
    }
    const why = cause instanceof Error ? cause.message : String(cause);
    throw ApplicationFailure.create({
      type: 'cluster-unresolved',
      message: `Could not read cluster ${JSON.stringify(clusterId)} from the orchestrator's configuration (${why}); start the workflow again once the orchestrator runs.`,
      nonRetryable: true,
    });
  }
}
