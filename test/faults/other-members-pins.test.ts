// A node agent started with a full configuration, which names every member's PIN source: it runs
// its own member, says once which fields it ignores, and never reads them. The other members' PIN
// sources here cannot be read at all (a file that does not exist, a variable that is not set), so
// any attempt would be an error in its log or a failed start; there is none, and its import runs.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { makeKeys } from '../concurrency/support/exactly-once';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from './support/worker-process';
import type { WorkerProcess } from './support/worker-process';

describe('an agent whose configuration names other members\' PIN sources', () => {
  let fixture: ClusterFixture;
  let agent: WorkerProcess;
  let absentPinFile: string;
  const unsetVariable = `KEYSYNC_TEST_UNSET_PIN_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2', 'n3'], withSecrets: ['n1', 'n2'] });
    absentPinFile = join(fixture.dir, 'absent', 'n1.pin');
    const member = (id: string) => fixture.cluster.members.find((candidate) => candidate.id === id)!;
    const config = {
      ...fixture.config,
      clusters: [{ ...fixture.cluster, members: [{ ...member('n1'), pin: { file: absentPinFile } }, member('n2'), { ...member('n3'), pin: { env: unsetVariable } }] }],
    };
    delete process.env[unsetVariable];
    // The orchestrator and n1's agent in this process (with n1's real PIN); n2's agent alone, from the file above.
    await fixture.startWorkers({ members: ['n1'] });
    agent = startWorkerProcess(writeWorkerConfig(config, join(fixture.dir, 'config.json')), ['--member', 'n2', '--cluster', fixture.clusterId]);
    await agent.waitForOutput('workers polling');
  });

  afterAll(async () => {
    if (agent) await stopWorkerProcess(agent);
    await fixture?.close();
  });

  it('starts, warns once naming the ignored fields, never reads them, and imports a sync', async () => {
    const keyIds = await makeKeys(fixture, 'n1', 'd1', 2);
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster: fixture.snapshot(), source: 'n1', targets: ['n2'], keyIds, requestedBy: 'operator', reason: 'other pins', timing: { nodeProbeSeconds: 20 } }],
    });
    expect(result.members.map(({ member, state, keysImported }) => ({ member, state, keysImported }))).toEqual([{ member: 'n2', state: 'in-sync', keysImported: 2 }]);

    const lines = agent.output().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; component: string; ignored?: string[] });
    const warnings = lines.filter((line) => line.msg.includes('ignores their PIN sources'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, component: 'agent:n2', ignored: ['clusters[0].members[0].pin', 'clusters[0].members[2].pin'] });
    expect(lines.some((line) => line.msg === 'package imported')).toBe(true);
    // Never read: no error, and neither source appears anywhere in the log.
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(agent.output()).not.toContain(absentPinFile);
    expect(agent.output()).not.toContain(unsetVariable);
    expect(agent.output()).not.toContain('ENOENT');
    for (const pin of Object.values(fixture.pins)) expect(agent.output()).not.toContain(pin);
  });
});
