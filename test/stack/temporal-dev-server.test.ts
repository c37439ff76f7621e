// Proves the run's Temporal is real: a worker bundles a workflow, the dev server dispatches it,
// an activity runs, and KeySync's search attributes are registered and queryable.
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { KEYSYNC_SEARCH_ATTRIBUTES } from '../../libs/temporal/search-attributes';
import { connectTestClient, connectTestWorkerConnection, testTemporalAddress, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import * as activities from './fixtures/greeting-activities';
import { clusterKey, greetingWorkflow, kindKey, membersKey, stateKey } from './fixtures/greeting-workflow';

describe('the Temporal dev server started by the test setup', () => {
  let client: Client;
  let workerConnection: NativeConnection;

  beforeAll(async () => {
    client = await connectTestClient();
    workerConnection = await connectTestWorkerConnection();
  });

  afterAll(async () => {
    await workerConnection?.close();
    await client?.connection.close();
  });

  it('is announced to test processes through inject and KEYSYNC_TEST_TEMPORAL_ADDRESS', () => {
    expect(testTemporalAddress()).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(process.env.KEYSYNC_TEST_TEMPORAL_ADDRESS).toBe(testTemporalAddress());
  });

  it('has the KeySync search attributes registered with their types', async () => {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(KEYSYNC_SEARCH_ATTRIBUTES)));
  });

  it('runs a real workflow with an activity on a bundled worker, and finds it by its search attributes', async () => {
    const taskQueue = uniqueTaskQueue('stack-greeting');
    const cluster = uniqueTaskQueue('cluster');
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: join(__dirname, 'fixtures', 'greeting-workflow.ts'),
      activities,
    });

    const handle = await worker.runUntil(async () => {
      const started = await client.workflow.start(greetingWorkflow, {
        taskQueue,
        workflowId: `greeting:${cluster}`,
        args: [cluster, 'KeySync'],
      });
      expect(await started.result()).toBe(`Hello, KeySync, from pid ${process.pid}`);
      return started;
    });

    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.typedSearchAttributes.get(clusterKey)).toBe(cluster);
    expect(described.typedSearchAttributes.get(membersKey)).toEqual(['node1', 'node2']);
    expect(described.typedSearchAttributes.get(kindKey)).toBe('greeting');
    expect(described.typedSearchAttributes.get(stateKey)).toBe('completed');

    // Visibility is eventually consistent: the list query proves the attributes are indexed.
    const found = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const execution of client.workflow.list({ query: `KeySyncCluster = "${cluster}" AND KeySyncState = "completed"` })) {
          ids.push(execution.workflowId);
        }
        return ids.length > 0 ? ids : null;
      },
      { description: 'the workflow to be listed by its KeySync search attributes', timeoutMs: 20_000 },
    );
    expect(found).toEqual([`greeting:${cluster}`]);
  });
});
