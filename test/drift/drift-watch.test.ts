// The drift watch on a real cluster: SoftHSM tokens, real node agents and orchestrator, the run's
// Temporal dev server, and the cluster's Schedule. Keys are made outside KeySync with pkcs11-tool.
// node4 holds the cluster secrets but its agent never runs: it must be reported unreachable and
// must not keep the others from being healed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDriftSchedules } from '../../libs/temporal/drift-schedules';
import type { DriftWatchResult } from '../../libs/contract/drift';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { completedDriftRuns } from './support/drift-runs';
import { generateKeyWithPkcs11Tool } from './support/pkcs11-tool';

const intervalSeconds = 2;
// Long enough that a member whose agent runs never misses a probe on a loaded 2-core machine (a miss
// reads as unreachable); node4's agent never runs, so each run waits this long for it.
const PROBE_SECONDS = 4;

describe('drift watch', () => {
  let fixture: ClusterFixture;

  const memberConfig = (member: string) => fixture.cluster.members.find((candidate) => candidate.id === member)!;
  const makeKey = (member: string, id: string, label: string) => generateKeyWithPkcs11Tool(memberConfig(member), fixture.pins[member]!, { id, label });
  const keysOn = (member: string) => fixture.withToken(member, (token) => token.inventory());
  const fingerprintOn = async (member: string, id: string) => (await keysOn(member)).find((group) => group.id === id)?.fingerprint ?? null;
  const writeSchedule = (mode: 'auto' | 'alert') => {
    fixture.cluster.policy.drift = { mode, intervalSeconds };
    return ensureDriftSchedules({ client: fixture.client, config: fixture.config, taskQueue: fixture.orchestratorQueue, timing: { nodeProbeSeconds: PROBE_SECONDS }, triggerImmediately: true });
  };
  /** The first completed run that started after `since` and satisfies `accept`. */
  const runAfter = (since: Date, accept: (result: DriftWatchResult) => boolean, description: string) =>
    waitFor(async () => (await completedDriftRuns(fixture.client, fixture.clusterId, since)).find((run) => accept(run.result)), { timeoutMs: 60_000, intervalMs: 500, description });

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2', 'node3', 'node4'], withSecrets: ['node1', 'node2', 'node3', 'node4'] });
    await fixture.startWorkers({ members: ['node1', 'node2', 'node3'] });
  });

  afterAll(async () => {
    await fixture?.client.schedule.getHandle(`drift:${fixture.clusterId}`).delete().catch(() => undefined);
    await fixture?.close();
  });

  it('under policy alert reports a key made on one member with pkcs11-tool, and syncs nothing', async () => {
    await makeKey('node2', 'a1', 'renewed-ca');
    const since = new Date();
    const outcomes = await writeSchedule('alert');
    expect(outcomes).toEqual([expect.objectContaining({ action: 'created', paused: false, intervalSeconds })]);

    const first = await runAfter(since, (result) => result.drift.some((entry) => entry.id === 'a1'), 'a drift run that reports key a1');
    expect(first.result).toMatchObject({ mode: 'alert', state: 'drift', syncs: [] });
    expect(first.result.drift.find((entry) => entry.id === 'a1')).toMatchObject({ label: 'renewed-ca', missingOn: ['node1', 'node3'], conflicting: false });
    expect(first.result.members.find((member) => member.member === 'node4')).toMatchObject({ status: 'unreachable', keyCount: null });
    expect(first.result.members.find((member) => member.member === 'node1')).toMatchObject({ status: 'lacking', missingCount: 1 });

    // Another run later still reports it and still leaves it alone.
    await runAfter(first.startTime, (result) => result.drift.some((entry) => entry.id === 'a1') && result.syncs.length === 0, 'a second alert run');
    expect(await fingerprintOn('node1', 'a1')).toBeNull();
    expect(await fingerprintOn('node3', 'a1')).toBeNull();
  });

  it('under policy auto brings the key to every member that answers by itself, while node4 is down and reported unreachable', async () => {
    const expected = await fingerprintOn('node2', 'a1');
    expect(expected).not.toBeNull();
    const since = new Date();
    const outcomes = await writeSchedule('auto');
    expect(outcomes).toEqual([expect.objectContaining({ action: 'updated', paused: false })]);

    // Interval plus the sync's own time: nothing but the schedule acts here.
    await waitFor(async () => (await fingerprintOn('node1', 'a1')) === expected && (await fingerprintOn('node3', 'a1')) === expected, {
      timeoutMs: intervalSeconds * 1000 + 30_000,
      intervalMs: 250,
      description: 'key a1 on node1 and node3',
    });
    // On a loaded machine a member can miss one run's short probe; a later run then heals it with a
    // sync of its own. What must hold: every sync the watch started came from node2 and carried only
    // a1, node4 (down) was never a target, and together the syncs reached node1 and node3.
    const healers = await waitFor(
      async () => {
        const runs = (await completedDriftRuns(fixture.client, fixture.clusterId, since)).filter((run) => run.result.syncs.length > 0);
        const reached = new Set(runs.flatMap((run) => run.result.syncs.flatMap((started) => started.targets)));
        return reached.has('node1') && reached.has('node3') ? runs : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the runs that started the syncs to node1 and node3' },
    );
    const syncs = healers.flatMap((run) => run.result.syncs);
    for (const started of syncs) expect(started).toMatchObject({ source: 'node2', keyIds: ['a1'] });
    expect(new Set(syncs.flatMap((started) => started.targets))).toEqual(new Set(['node1', 'node3']));
    for (const run of healers) expect(run.result.members.find((member) => member.member === 'node4')?.status).toBe('unreachable');
    const healer = healers[healers.length - 1]!;
    const sync = await fixture.client.workflow.getHandle<KeySyncWorkflow>(healer.result.syncs[0]!.operationId).result();
    expect(sync).toMatchObject({ state: 'completed', requestedBy: 'drift-watch' });

    // A run is short (the Schedule gives the periodicity), and no PIN enters any history involved.
    const histories = await Promise.all(
      [healer.workflowId, sync.operationId, ...sync.members.map((member) => member.workflowId ?? '')].filter(Boolean).map((id) => fixture.client.workflow.getHandle(id).fetchHistory()),
    );
    expect(histories[0]!.events!.length).toBeLessThan(100);
    const text = JSON.stringify(histories);
    for (const pin of Object.values(fixture.pins)) expect(text).not.toContain(pin);

    // Once healed, the watch says so: no drift among the members that answer, node4 still unreachable.
    const calm = await runAfter(new Date(), (result) => result.drift.length === 0, 'a run with no drift');
    expect(calm.result.state).toBe('unreachable');
    expect(calm.result.syncs).toEqual([]);
  });

  it('reports a conflicting key (same id, different keys) and leaves it untouched on both sides', async () => {
    await makeKey('node1', 'c7', 'signer');
    await makeKey('node3', 'c7', 'signer');
    const node1Before = await fingerprintOn('node1', 'c7');
    const node3Before = await fingerprintOn('node3', 'c7');
    expect(node1Before).not.toEqual(node3Before);
    // From here on, every run sees both keys.
    const since = new Date();

    const first = await runAfter(since, (result) => result.conflicts.some((entry) => entry.id === 'c7'), 'a run that reports the conflict on c7');
    expect(first.result.conflicts.find((entry) => entry.id === 'c7')).toMatchObject({ conflicting: true, missingOn: ['node2'] });
    expect(first.result.syncs.filter((sync) => sync.keyIds.includes('c7'))).toEqual([]);
    await runAfter(first.startTime, (result) => result.conflicts.some((entry) => entry.id === 'c7'), 'a later run that still reports it');

    expect(await fingerprintOn('node1', 'c7')).toBe(node1Before);
    expect(await fingerprintOn('node3', 'c7')).toBe(node3Before);
    expect(await fingerprintOn('node2', 'c7')).toBeNull();
  });

  it('heals keys that no single member holds all of, with one sync per source', async () => {
    const since = new Date();
    await makeKey('node1', 'b1', 'tls-one');
    await makeKey('node3', 'b3', 'tls-three');
    await waitFor(
      async () => {
        const held = await Promise.all(['node1', 'node2', 'node3'].map(async (member) => (await keysOn(member)).map((group) => group.id)));
        return held.every((ids) => ids.includes('b1') && ids.includes('b3'));
      },
      { timeoutMs: intervalSeconds * 1000 + 30_000, intervalMs: 250, description: 'b1 and b3 on node1, node2 and node3' },
    );
    // One run usually sees both keys; if the first saw only b1, the next started b3's sync.
    const runs = await completedDriftRuns(fixture.client, fixture.clusterId, since);
    const started = runs.flatMap((run) => run.result.syncs).filter((sync) => sync.started);
    expect(started.map((sync) => ({ source: sync.source, keyIds: sync.keyIds }))).toEqual(
      expect.arrayContaining([
        { source: 'node1', keyIds: ['b1'] },
        { source: 'node3', keyIds: ['b3'] },
      ]),
    );
  });
});
