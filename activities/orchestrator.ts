// The orchestrator's activities, on queue `keysync`: work that needs the Temporal client rather
// than an HSM. archiveHistory copies a closed workflow's history into the audit archive, in the
// SDK's proto JSON so `Worker.runReplayHistory` can replay it years later. resolveCluster gives a
// workflow started with a cluster id the snapshot of that cluster in this worker's configuration.
// The notification activities (notifications.ts) post operation events to the configured webhooks.
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { ArchiveMeta, AuditArchive } from '../libs/audit-archive';
import { clusterSnapshot } from '../libs/config/cluster-snapshot';
import type { ClusterConfig } from '../libs/config/types';
import type { OrchestratorActivities } from '../libs/contract/activities';
import { KeySyncCluster, KeySyncKind, KeySyncMembers } from '../libs/contract/search-attributes';
import type { Tombstone } from '../libs/contract/retire';
import { credentialStoreWorkflowId, parseOperationId, tombstoneWorkflowId } from '../libs/contract/workflow-ids';
import { createNotificationActivities } from './notifications';
import type { NotificationDeps } from './notifications';
import { confirmedCredentials } from '../libs/contract/credentials';
import type { Credential } from '../libs/contract/credentials';
import { credentialsQuery } from '../libs/contract/messages';

export interface OrchestratorDeps extends NotificationDeps {
  client: Client;
  archive: AuditArchive;
  /** The clusters of the worker's configuration, for resolveCluster (default: none). */
  clusters?: readonly ClusterConfig[];
  /** How long one archiving attempt waits for a running history to close before it refuses (default: 10 s; 0: refuses at once). */
  closeWaitMs?: number;
}

export function createOrchestratorActivities({ client, archive, clusters = [], closeWaitMs = defaultCloseWaitMs, ...notifications }: OrchestratorDeps): OrchestratorActivities {
  return {
    ...createNotificationActivities(notifications),
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
    // Each key's tombstone is described by its id, not listed through visibility: a describe reads
    // the workflow's own record, so a tombstone started a moment ago is already seen (a list may lag).
    async retiredKeys({ cluster, keys }) {
      const ids = [...new Set(keys.map((key) => tombstoneWorkflowId(cluster, key.class, key.id)))];
      const found: Tombstone[] = [];
      for (let start = 0; start < ids.length; start += DESCRIBES_AT_ONCE) {
        const batch = await Promise.all(ids.slice(start, start + DESCRIBES_AT_ONCE).map((id) => standingTombstone(client, id)));
        for (const tombstone of batch) if (tombstone !== null) found.push(tombstone);
      }
      return found;
    },
    // The store is asked by query, not read from its memo: confirmations are updates, and only the
    // running workflow knows them. No store yet: nothing confirmed. The result lands in the asking
    // workflow's history, so its replay and the offline audit see what it checked against.
    async approverCredentials({ cluster }) {
      const webauthn = clusters.find((candidate) => candidate.id === cluster)?.webauthn;
      let records: Credential[] = [];
      try {
        records = await client.workflow.getHandle(credentialStoreWorkflowId(cluster)).query(credentialsQuery);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      return {
        relyingParty: webauthn === undefined ? null : { rpId: webauthn.rpId, origins: [...webauthn.origins] },
        credentials: confirmedCredentials(records),
      };
    },
    async archiveHistory({ workflowId, runId }) {
      const handle = client.workflow.getHandle(workflowId, runId, { followRuns: false });
      let description = await handle.describe();
      if (description.status.name === 'RUNNING' && closeWaitMs > 0) {
        // Started before its workflow ended (one a caller waits on starts its archiving first): wait a
        // little for the close here, which the server reports at once, rather than in the retry's backoff.
        await client.connection.withDeadline(Date.now() + closeWaitMs, () => handle.result()).catch(() => undefined);
        description = await handle.describe();
      }
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

/** How long one archiving attempt waits for a running history to close before it refuses (and is retried). */
const defaultCloseWaitMs = 10_000;

/** Describes in flight at once when looking for tombstones. */
const DESCRIBES_AT_ONCE = 16;

/** The tombstone under that id while it stands (its memo holds the record), else null. */
async function standingTombstone(client: Client, workflowId: string): Promise<Tombstone | null> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return null;
    const tombstone = (description.memo as { tombstone?: Tombstone } | undefined)?.tombstone;
    return tombstone ?? null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}
