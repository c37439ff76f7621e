// DESIGN section 10's first fault: the worker process that imports is killed with SIGKILL in the
// middle of an import, then started again. The sync completes, and each key is on each member
// exactly once (counted by class and CKA_ID with pkcs11-tool, independently of libs/hsm).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import { waitFor } from '../support/wait-for';
import { countTokenObjects } from './support/token-objects';
import { generateFounderKeys, startKeySync } from './support/sync-helpers';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from './support/worker-process';
import type { WorkerProcess } from './support/worker-process';

const EC_KEYS = 80;
const RSA_KEYS = 4;
const TOTAL = EC_KEYS + RSA_KEYS;
/** CKA_ID prefix "keysync." in hex: the cluster secrets and a joined token's transport key, not synced keys. */
const RESERVED_ID = /:6b657973796e632e/;

function synced(counts: Map<string, number>): Map<string, number> {
  return new Map([...counts].filter(([key]) => !RESERVED_ID.test(key)));
}

describe('a worker process killed during an import', () => {
  let fixture: ClusterFixture;
  let configPath: string;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2', 'n3'], withSecrets: ['n1', 'n2', 'n3'], parallelism: 2 });
    await generateFounderKeys(fixture, 'n1', EC_KEYS, RSA_KEYS);
    configPath = writeWorkerConfig(fixture.config, join(fixture.dir, 'config.json'));
    // The orchestrator and the founder's agent run here; the targets' agents in the process that gets killed.
    await fixture.startWorkers({ members: ['n1'] });
  });

  afterAll(async () => {
    for (const worker of processes) await stopWorkerProcess(worker);
    await fixture?.close();
  });

  function startTargetsProcess(): WorkerProcess {
    const worker = startWorkerProcess(configPath, ['--member', 'n2', 'n3', '--cluster', fixture.clusterId]);
    processes.push(worker);
    return worker;
  }

  async function privateKeysOn(member: string): Promise<number> {
    const counts = await countTokenObjects(fixture.cluster.members.find((candidate) => candidate.id === member)!, fixture.pins[member]!);
    // Only the synced keys' ids (EC 0001.., RSA f001..): the token also holds its join transport key.
    return [...counts.keys()].filter((key) => /^private-key:(0|f)[0-9a-f]{3}$/.test(key)).length;
  }

  it('completes the sync after a restart, with each key on each member exactly once', async () => {
    const t0 = Date.now();
    const mark = (what: string): void => console.log(`[fault] ${what} at ${Date.now() - t0} ms`);
    const first = startTargetsProcess();
    await first.waitForOutput('workers polling');

    mark('first process polling');
    const handle = await startKeySync(fixture, 'n1', { heartbeatSeconds: 3, callSeconds: 15, retryInitialSeconds: 1, retryMaxSeconds: 2, nodeProbeSeconds: 10 });
    // Kill it once n2 holds some keys but not all: the import is under way.
    const partial = await waitFor(
      async () => {
        const count = await privateKeysOn('n2');
        return count > 0 && count < TOTAL ? count : false;
      },
      { timeoutMs: 90_000, intervalMs: 50, description: 'n2 to be part-way through its import' },
    );
    first.child.kill('SIGKILL');
    mark(`killed with ${partial} keys on n2`);
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const afterKill = await privateKeysOn('n2');
    expect(partial).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(TOTAL);

    const second = startTargetsProcess();
    await second.waitForOutput('workers polling');
    mark('second process polling');
    const result = await handle.result();
    mark('sync completed');

    expect(result.state).toBe('completed');
    expect(result.members.map(({ member, state }) => ({ member, state }))).toEqual([
      { member: 'n2', state: 'in-sync' },
      { member: 'n3', state: 'in-sync' },
    ]);
    // The import on n2 ran more than once: the killed attempt, then the one that completed.
    const n2History = await fixture.client.workflow.getHandle(result.members.find((summary) => summary.member === 'n2')!.workflowId!).fetchHistory();
    const importStarts = (n2History.events ?? []).filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 0) > 1 || event.activityTaskTimedOutEventAttributes);
    expect(importStarts.length).toBeGreaterThan(0);

    const founder = synced(await countTokenObjects(fixture.cluster.members[0]!, fixture.pins.n1!));
    for (const member of ['n2', 'n3']) {
      const counts = synced(await countTokenObjects(fixture.cluster.members.find((candidate) => candidate.id === member)!, fixture.pins[member]!));
      const duplicates = [...counts].filter(([, count]) => count !== 1);
      expect(duplicates, `objects present more than once on ${member}`).toEqual([]);
      expect([...counts.keys()].sort(), `objects on ${member}`).toEqual([...founder.keys()].sort());
    }
    expect([...founder.keys()].filter((key) => key.startsWith('private-key:'))).toHaveLength(TOTAL);

    for (const worker of processes) {
      for (const pin of Object.values(fixture.pins)) expect(worker.output()).not.toContain(pin);
    }
    expect(await stopWorkerProcess(second)).toEqual({ code: 0, signal: null });
  });
});
