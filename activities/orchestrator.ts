// The orchestrator's activities, on queue `keysync`: work that needs the Temporal client rather
// than an HSM. archiveHistory copies a closed workflow's history into the audit archive, in the
// SDK's proto JSON so `Worker.runReplayHistory` can replay it years later. resolveCluster gives a
// workflow started with a cluster id the snapshot of that cluster in this worker's configuration.
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { ArchiveMeta, AuditArchive } from '../libs/audit-archive';
import { clusterSnapshot } from '../libs/config/cluster-snapshot';
import type { ClusterConfig } from '../libs/config/types';
import type { OrchestratorActivities } from '../libs/contract/activities';
import { KeySyncCluster, KeySyncKind, KeySyncMembers } from '../libs/contract/search-attributes';
import { parseOperationId } from '../libs/contract/workflow-ids';

export interface OrchestratorDeps {
  client: Client;
  archive: AuditArchive;
  /** The clusters of the worker's configuration, for resolveCluster (default: none). */
  clusters?: readonly ClusterConfig[];
}

export function createOrchestratorActivities({ client, archive, clusters = [] }: OrchestratorDeps): OrchestratorActivities {
  return {
    // Not async work, but an activity on purpose: its result puts the snapshot in the history.
    async resolveCluster(clusterId) {
      const cluster = clusters.find((candidate) => candidate.id === clusterId);
      if (cluster === undefined) {
        const known = clusters.map((candidate) => JSON.stringify(candidate.id)).join(', ') || 'none';
        throw ApplicationFailure.create({
          type: 'unknown-cluster',
          message: `Cluster ${JSON.stringify(clusterId)} is not in the orchestrator's configuration (known clusters: ${known}); start the workflow with one of these ids.`,
          nonRetryable: true,
        });
      }
      return clusterSnapshot(cluster);
    },
    async archiveHistory({ workflowId, runId }) {
      const handle = client.workflow.getHandle(workflowId, runId);
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') {
        // Retryable on purpose: the caller may ask a moment before the child's close is visible.
        throw ApplicationFailure.create({
          type: 'workflow-still-running',
          message: `Workflow ${workflowId} is still running; only a closed history is archived.`,
          nonRetryable: false,
        });
      }
      const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
      const entry = await archive.append(historyToJSON(history), archiveMetaOf(description));
      return { digest: entry.digest };
    },
  };
}

export function archiveMetaOf(description: Pick<WorkflowExecutionDescription, 'workflowId' | 'runId' | 'type' | 'typedSearchAttributes'>): ArchiveMeta {
  const attributes = description.typedSearchAttributes;
  return {
    workflowId: description.workflowId,
    runId: description.runId,
    // An operation's id names its cluster: the fallback when the attribute is missing.
    cluster: attributes.get(KeySyncCluster) ?? parseOperationId(description.workflowId)?.cluster ?? '',
    members: attributes.get(KeySyncMembers) ?? [],
    kind: attributes.get(KeySyncKind) ?? description.type,
  };
}
