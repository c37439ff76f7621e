// A member briefly has two agent processes (a restart or a rolling upgrade): both poll its queue and
// both import at the same time, from separate processes with their own PKCS#11 sessions. The host
// lock of the member's token (configuration `locks.dir`) makes them take turns, so each key ends
// on the member exactly once.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../libs/contract/cluster';
import { approveUpdate, challengeQuery, memberStateQuery } from '../../libs/contract/messages';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from '../faults/support/worker-process';
import type { WorkerProcess } from '../faults/support/worker-process';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { expectEachKeyOnce, makeKeys } from './support/exactly-once';

const SYNCS_PER_ROUND = 6;
const MAX_ROUNDS = 4;

describe('two agent processes of one member', () => {
  let fixture: ClusterFixture;
  let lockDir: string;
  const agents: WorkerProcess[] = [];

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2'], withSecrets: ['n1', 'n2'] });
    lockDir = join(fixture.dir, 'locks');
    const configPath = writeWorkerConfig({ ...fixture.config, locks: { dir: lockDir } }, join(fixture.dir, 'config.json'));
    // The orchestrator and n1's agent here; n2's agent twice, as two processes.
    await fixture.startWorkers({ members: ['n1'] });
    for (let index = 0; index < 2; index += 1) agents.push(startWorkerProcess(configPath, ['--member', 'n2', '--cluster', fixture.clusterId]));
    await Promise.all(agents.map((agent) => agent.waitForOutput('workers polling')));
  });

  afterAll(async () => {
    for (const agent of agents) await stopWorkerProcess(agent);
    await fixture?.close();
  });

  /** One approval asked of n2, so every import of a round waits and all start in the same moment. */
  const held = (): ClusterSnapshot => ({ ...fixture.snapshot(), policy: { ...fixture.snapshot().policy, sync: { approvals: 1, timeoutSeconds: 300 } } });
  const importsBy = (agent: WorkerProcess): number => agent.output().split('\n').filter((line) => line.includes('package imported')).length;

  it('imports from both processes at once, taking turns on the token, so each key is on the member once', async () => {
    const ids: string[] = [];
    // Temporal hands each import to whichever process polls first: rounds go on until both have imported.
    for (let round = 0; round < MAX_ROUNDS && !agents.every((agent) => importsBy(agent) > 0); round += 1) {
      const roundIds = await makeKeys(fixture, 'n1', (0xa0 + round).toString(16), 15);
      ids.push(...roundIds);
      const handles = await Promise.all(
        Array.from({ length: SYNCS_PER_ROUND }, () =>
          fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
            taskQueue: fixture.orchestratorQueue,
            workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
            args: [{ cluster: held(), source: 'n1', targets: ['n2'], keyIds: roundIds, requestedBy: 'operator', reason: 'two agents', timing: { nodeProbeSeconds: 20 } }],
          }),
        ),
      );
      const approver = fixture.approvers[0]!;
      const approvals = await Promise.all(
        handles.map(async (handle) => {
          const memberSync = fixture.client.workflow.getHandle(memberSyncWorkflowId(handle.workflowId, 'n2'));
          const challenge = await waitFor(async () => (await memberSync.query(memberStateQuery)).state === 'awaiting-approval' && (await memberSync.query(challengeQuery, 'n2')), {
            timeoutMs: 60_000,
            description: 'n2 to await approval',
          });
          return { memberSync, approval: { member: 'n2', approverId: approver.config.id, decision: 'approve' as const, signature: signText(approver, challenge.challenge) } };
        }),
      );
      await Promise.all(approvals.map(({ memberSync, approval }) => memberSync.executeUpdate(approveUpdate, { args: [approval] })));
      const results = await Promise.all(handles.map((handle) => handle.result()));
      expect(results.map((result) => result.state)).toEqual(Array(SYNCS_PER_ROUND).fill('completed'));
      expect(results.reduce((sum, result) => sum + (result.members[0]?.keysImported ?? 0), 0)).toBe(roundIds.length);
    }

    expect(agents.map(importsBy).every((count) => count > 0), `imports per process: ${agents.map(importsBy).join(', ')}`).toBe(true);
    expect(existsSync(lockDir)).toBe(true);
    await expectEachKeyOnce(fixture, 'n2', ids);
    for (const agent of agents) for (const pin of Object.values(fixture.pins)) expect(agent.output()).not.toContain(pin);
  });
});
