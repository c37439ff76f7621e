// The worker process in its embedded shape (no flags: orchestrator on `keysync` and an agent per
// member) runs a sync, and every finished history of it reaches the audit archive: chained,
// intact, and replayable against the workflow code. SIGTERM then stops it with exit code 0.
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditArchive } from '../../libs/audit-archive';
import { orchestratorTaskQueue } from '../../libs/contract/task-queues';
import { memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { generateFounderKeys } from '../faults/support/sync-helpers';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from '../faults/support/worker-process';
import type { WorkerProcess } from '../faults/support/worker-process';
import { waitFor } from '../support/wait-for';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';

const workflowsPath = join(__dirname, '..', '..', 'workflows', 'index.ts');

describe('the embedded worker process', () => {
  let fixture: ClusterFixture;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2'], withSecrets: ['n1', 'n2'] });
    await generateFounderKeys(fixture, 'n1', 2, 0);
  });

  afterAll(async () => {
    if (worker) await stopWorkerProcess(worker);
    await fixture?.close();
  });

  it('syncs, archives every history of the sync in a chained, replayable archive, and stops cleanly on SIGTERM', async () => {
    worker = startWorkerProcess(writeWorkerConfig(fixture.config, join(fixture.dir, 'config.json')), []);
    await worker.waitForOutput('workers polling');
    expect(worker.output()).toContain(`keysync.${fixture.clusterId}.n2`);

    const workflowId = `sync:${fixture.clusterId}:embedded`;
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>('keySync', {
      taskQueue: orchestratorTaskQueue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), source: 'n1', requestedBy: 'test', reason: 'embedded worker' }],
    });
    expect(result).toMatchObject({ state: 'completed', members: [{ member: 'n2', state: 'in-sync', keysImported: 2 }] });

    const archive = new AuditArchive(fixture.config.auditArchive.dir);
    const childId = memberSyncWorkflowId(workflowId, 'n2');
    const entries = await waitFor(
      async () => {
        const archived = await archive.list({ cluster: fixture.clusterId });
        const ids = archived.map((entry) => entry.workflowId);
        return ids.includes(workflowId) && ids.includes(childId) ? archived : false;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'the keySync and memberSync histories in the audit archive' },
    );
    expect(entries.find((entry) => entry.workflowId === workflowId)).toMatchObject({ kind: 'sync', members: ['n1', 'n2'] });
    expect(entries.find((entry) => entry.workflowId === childId)?.members).toContain('n2');
    expect(await archive.verifyChain()).toMatchObject({ ok: true, problems: [] });

    for (const entry of entries) {
      const history = historyFromJSON(JSON.parse(await archive.readHistory(entry.digest)));
      await expect(Worker.runReplayHistory({ workflowsPath }, history, entry.workflowId)).resolves.toBeUndefined();
    }

    expect(await stopWorkerProcess(worker)).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('workers stopped');
    for (const pin of Object.values(fixture.pins)) expect(worker.output()).not.toContain(pin);
  });
});
