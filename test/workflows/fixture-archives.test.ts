// A workflow archives its own history on its parent's queue (the fixture's prefixed orchestrator
// queue, not the plain `keysync`), and closing a fixture lets those archive workflows finish: none
// is left running unpolled on the shared dev server.
import { describe, expect, it } from 'vitest';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { connectTestClient } from '../support/temporal';
import { createClusterFixture } from './support/cluster-fixture';

describe('archiving in workflow tests', () => {
  it('runs on the fixture’s own queue, and every archive workflow has completed once the fixture is closed', async () => {
    const fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'] });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'archived-key', id: 'e1' }));
    await fixture.startWorkers();
    const workflowId = keySyncWorkflowId(fixture.clusterId, 'archives');
    const queue = fixture.orchestratorQueue;
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: queue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), source: 'node1', requestedBy: 'operator', reason: 'archive test', timing: { heartbeatSeconds: 10, retryInitialSeconds: 1, retryMaxSeconds: 2 } }],
    });
    expect(result.state).toBe('completed');
    await fixture.close();

    const client = await connectTestClient();
    try {
      const archives: { workflowId: string; taskQueue: string; status: string }[] = [];
      for await (const execution of client.workflow.list({ query: `WorkflowType = '${workflowTypes.archiveHistory}' AND TaskQueue = '${queue}'` })) {
        archives.push({ workflowId: execution.workflowId, taskQueue: execution.taskQueue, status: execution.status.name });
      }
      const archived = archives.map((archive) => archive.workflowId.replace(/^archive:(.*):[^:]+$/, '$1')).sort();
      expect(archived).toEqual([workflowId, memberSyncWorkflowId(workflowId, 'node2')].sort());
      expect(archives.every((archive) => archive.status === 'COMPLETED')).toBe(true);
      // Other test files share this dev server and may archive on the plain queue: only ours count.
      const ourArchivesOnPlainQueue: string[] = [];
      for await (const execution of client.workflow.list({ query: `WorkflowType = '${workflowTypes.archiveHistory}' AND TaskQueue = 'keysync'` })) {
        if (execution.workflowId.startsWith(`archive:${workflowId}`)) ourArchivesOnPlainQueue.push(execution.workflowId);
      }
      expect(ourArchivesOnPlainQueue).toEqual([]);
    } finally {
      await client.connection.close();
    }
  }, 300_000);
});
