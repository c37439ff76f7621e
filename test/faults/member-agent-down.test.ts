// DESIGN section 2: a member whose agent is down is not an error. Its memberSync shows
// `waiting-for-node` while the other member completes; once its agent (a real worker process
// with `--member`) starts, it completes too.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import { waitFor } from '../support/wait-for';
import { memberStateQuery } from '../../libs/contract/messages';
import { memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import type { MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { generateFounderKeys, memberState, startKeySync } from './support/sync-helpers';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from './support/worker-process';
import type { WorkerProcess } from './support/worker-process';

describe('a member whose agent is stopped', () => {
  let fixture: ClusterFixture;
  let configPath: string;
  let agent: WorkerProcess | undefined;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2', 'n3'], withSecrets: ['n1', 'n2', 'n3'], parallelism: 2 });
    await generateFounderKeys(fixture, 'n1', 3, 1);
    configPath = writeWorkerConfig(fixture.config, join(fixture.dir, 'config.json'));
    // n3's agent is not started: its queue has no poller.
    await fixture.startWorkers({ members: ['n1', 'n2'] });
  });

  afterAll(async () => {
    if (agent) await stopWorkerProcess(agent);
    await fixture?.close();
  });

  it('waits as waiting-for-node while the other member completes, and completes once its agent starts', async () => {
    const handle = await startKeySync(fixture, 'n1', { nodeProbeSeconds: 2, nodeProbeMaxSeconds: 4, callSeconds: 30 });
    const n2Id = memberSyncWorkflowId(handle.workflowId, 'n2');
    const n3Id = memberSyncWorkflowId(handle.workflowId, 'n3');

    await waitFor(async () => (await memberState(fixture, handle.workflowId, 'n3')) === 'waiting-for-node', { timeoutMs: 60_000, description: 'n3 to show waiting-for-node' });
    const n2 = await fixture.client.workflow.getHandle<MemberSyncWorkflow>(n2Id).result();
    expect(n2).toMatchObject({ state: 'in-sync', keysImported: 4 });
    // n2 finished while n3 still waits: the down member held nobody up.
    expect(await memberState(fixture, handle.workflowId, 'n3')).toBe('waiting-for-node');
    expect((await fixture.client.workflow.getHandle(handle.workflowId).describe()).status.name).toBe('RUNNING');

    agent = startWorkerProcess(configPath, ['--member', 'n3', '--cluster', fixture.clusterId]);
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.members.find((summary) => summary.member === 'n3')).toMatchObject({ state: 'in-sync', keysImported: 4 });
    expect(await fixture.client.workflow.getHandle(n3Id).query(memberStateQuery)).toMatchObject({ state: 'in-sync' });

    const founderKeys = await fixture.withToken('n1', (token) => token.inventory());
    const n3Keys = await fixture.withToken('n3', (token) => token.inventory());
    const identities = (keys: typeof founderKeys) => keys.map((key) => `${key.class}:${key.id}:${key.fingerprint}`).sort();
    expect(identities(n3Keys)).toEqual(identities(founderKeys));

    expect(await stopWorkerProcess(agent)).toEqual({ code: 0, signal: null });
    for (const pin of Object.values(fixture.pins)) expect(agent.output()).not.toContain(pin);
  });
});
