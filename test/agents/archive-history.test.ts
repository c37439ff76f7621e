// archiveHistory on a real dev server: a closed history lands in the audit archive with the
// workflow's search attributes, and what was archived replays against the workflow code; an
// attempt on a running history waits for its close (a sync the gate waits on archives first).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestratorActivities } from '../../activities/orchestrator';
import { AuditArchive } from '../../libs/audit-archive';
import { connectTestClient, connectTestWorkerConnection, uniqueTaskQueue } from '../support/temporal';
import type { tinyWorkflow } from './fixtures/tiny-workflow';

const workflowsPath = join(__dirname, 'fixtures', 'tiny-workflow.ts');

describe('archiveHistory', () => {
  let dir: string;
  let client: Client;
  let connection: NativeConnection;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-archive-'));
    client = await connectTestClient();
    connection = await connectTestWorkerConnection();
  });
  afterAll(async () => {
    await client?.connection.close();
    await connection?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('archives a closed history with its cluster, members and kind, in a form that replays', async () => {
    const taskQueue = uniqueTaskQueue('archive');
    const worker = await Worker.create({ connection, taskQueue, workflowsPath });
    const workflowId = `sync:${taskQueue}:1`;
    const archive = new AuditArchive(dir);
    // No wait for the close: a running history is refused at once.
    const { archiveHistory } = createOrchestratorActivities({ client, archive, closeWaitMs: 0 });

    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start<typeof tinyWorkflow>('tinyWorkflow', {
        taskQueue,
        workflowId,
        args: ['auditor'],
        typedSearchAttributes: new TypedSearchAttributes([
          { key: defineSearchAttributeKey('KeySyncCluster', SearchAttributeType.KEYWORD), value: taskQueue },
          { key: defineSearchAttributeKey('KeySyncMembers', SearchAttributeType.KEYWORD_LIST), value: ['node1', 'node2'] },
          { key: defineSearchAttributeKey('KeySyncKind', SearchAttributeType.KEYWORD), value: 'sync' },
        ]),
      });
      await expect(archiveHistory({ workflowId })).rejects.toMatchObject({ type: 'workflow-still-running' });
      await handle.result();
      return archiveHistory({ workflowId, runId: handle.firstExecutionRunId });
    });

    const [entry] = await archive.list({ workflowId });
    expect(entry).toMatchObject({ digest: result.digest, cluster: taskQueue, members: ['node1', 'node2'], kind: 'sync' });
    expect((await archive.verifyChain()).ok).toBe(true);

    const history = historyFromJSON(JSON.parse(await archive.readHistory(result.digest)));
    await expect(Worker.runReplayHistory({ workflowsPath }, history, workflowId)).resolves.toBeUndefined();
  });

  it('asked while the workflow runs, waits for its close and archives the closed history', async () => {
    const taskQueue = uniqueTaskQueue('archive-early');
    const worker = await Worker.create({ connection, taskQueue, workflowsPath });
    const workflowId = `sync:${taskQueue}:1`;
    const archive = new AuditArchive(dir);
    const { archiveHistory } = createOrchestratorActivities({ client, archive });

    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start<typeof tinyWorkflow>('tinyWorkflow', { taskQueue, workflowId, args: ['auditor'] });
      // Asked before the worker has even run it: the attempt waits instead of refusing.
      const archived = await archiveHistory({ workflowId, runId: handle.firstExecutionRunId });
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      return archived;
    });

    const [entry] = await archive.list({ workflowId });
    expect(entry).toMatchObject({ digest: result.digest, workflowId });
    const history = historyFromJSON(JSON.parse(await archive.readHistory(result.digest)));
    expect(history.events?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });
});
