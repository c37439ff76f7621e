// A retired key and its tombstone on real tokens and the real dev server (DESIGN 13): a member
// restored from an old backup holds the retired key again; drift `auto` reports it as retired on
// that member (workflow result, API inventory, CLI table and --json, /metrics) and starts no sync,
// so the members it left stay without it (pkcs11-tool). Uploading the recovery package through the
// API's upload path restores the key on a member and lifts the tombstone, recorded in that
// upload's history; the next drift watch then treats the key as any other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftWatchResult } from '../../libs/contract/drift';
import type { KeyRef } from '../../libs/contract/keys';
import { approveUpdate } from '../../libs/contract/messages';
import type { RetireResult, TombstoneResult } from '../../libs/contract/retire';
import { driftWatchWorkflowId, tombstoneWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { DriftWatchWorkflow } from '../../libs/contract/workflow-types';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { runCli } from '../cli/support/run-cli';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { keyObjectsOn, retireApproval, seedKeyEverywhere, startRetire } from '../workflows/support/retire-helpers';

const MEMBERS = ['node1', 'node2', 'node3'];
const WHOLE_GROUP = { 'private-key': 1, 'public-key': 1, certificate: 1 };

describe('a retired key and its tombstone', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let key: KeyRef;
  let retired: RetireResult;
  let watchRun = 0;

  const driftWatch = (): Promise<DriftWatchResult> =>
    fixture.client.workflow.execute<DriftWatchWorkflow>(workflowTypes.driftWatch, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: `${driftWatchWorkflowId(fixture.clusterId)}-test-${(watchRun += 1)}`,
      args: [{ cluster: fixture.snapshot(), mode: 'auto', timing: { nodeProbeSeconds: 5 } }],
    });
  const tombstone = () => fixture.client.workflow.getHandle(tombstoneWorkflowId(fixture.clusterId, 'private', key.id));

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: MEMBERS, withSecrets: MEMBERS });
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    key = await seedKeyEverywhere(fixture, 'node1', 'dead01', 'old-ca');
    const retire = await startRetire(fixture, key);
    await waitFor(async () => (await retire.query('challenge', '*')) !== null, { description: 'the retire awaiting approvals' });
    for (const index of [0, 1]) await retire.executeUpdate(approveUpdate, { args: [retireApproval(fixture, index, retire.workflowId, key)] });
    retired = await retire.result();
    expect(retired.state).toBe('completed');
    // node2 is restored from a backup taken before the retire: it holds the retired key again.
    const recovery = readFileSync(join(fixture.packagesDir, retired.recoveryPackage!.digest));
    await fixture.withToken('node2', (token) => token.importPackage(recovery, { clusterId: fixture.clusterId }));
    expect(await keyObjectsOn(fixture, 'node2', key.id)).toEqual(WHOLE_GROUP);
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('drift auto reports the key retired on node2, starts no sync, and the members it left stay without it', async () => {
    const result = await driftWatch();
    expect(result.syncs).toEqual([]);
    expect(result.drift.filter((entry) => entry.id === key.id)).toEqual([]);
    expect(result.retired).toEqual([
      { class: 'private', id: key.id, label: key.label, holders: [{ member: 'node2', fingerprint: key.fingerprint, exportable: true }], missingOn: ['node1', 'node3'], duplicatedOn: [], conflicting: false },
    ]);
    expect(result.members.map((member) => [member.member, member.status])).toEqual([
      ['node1', 'in-sync'],
      ['node2', 'in-sync'],
      ['node3', 'in-sync'],
    ]);
    for (const member of ['node1', 'node3']) expect(await keyObjectsOn(fixture, member, key.id), `the retired key on ${member}`).toEqual({});
    expect((await tombstone().describe()).status.name).toBe('RUNNING');
  });

  it('the inventory shows it retired: API, CLI table and --json; /metrics counts it, the retire and the tombstone', async () => {
    const inventory = await api.request('GET', `/v1/clusters/${api.cluster}/inventory`, { as: 'auditor' });
    expect(inventory.status).toBe(200);
    expect(inventory.body.drift).toEqual([]);
    expect(inventory.body.retired).toEqual([expect.objectContaining({ id: key.id, holders: [expect.objectContaining({ member: 'node2' })], missingOn: ['node1', 'node3'] })]);

    const cli = ['--api', api.baseUrl, '--token', api.tokens.auditor, 'inventory', '--cluster', api.cluster];
    const table = await runCli(cli, { NO_COLOR: '1' });
    expect(table.code, table.stderr).toBe(0);
    const row = table.stdout.split('\n').find((line) => line.startsWith('old-ca'));
    expect(row).toMatch(/^old-ca\s+dead01\s+private ec\s+gone\s+RETIRED\s+gone\s+retired$/);
    expect(table.stdout).toContain('old-ca is retired but still on node2');
    const json = await runCli(['--json', ...cli], {});
    expect(json.code, json.stderr).toBe(0);
    const rows = (JSON.parse(json.stdout) as { keys: { id: string; members: Record<string, string>; drift: boolean; retired: boolean }[] }).keys;
    expect(rows.find((candidate) => candidate.id === key.id)).toMatchObject({ members: { node1: 'missing', node2: 'retired', node3: 'missing' }, drift: false, retired: true });

    const gauge = new RegExp(`^keysync_drift_retired_keys\\{cluster="${api.cluster}"\\} 1$`, 'm');
    const metrics = await waitFor(
      async () => {
        const body = await (await fetch(`${api.baseUrl}/metrics`)).text();
        return gauge.test(body) ? body : null;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: 'keysync_drift_retired_keys 1 in /metrics' },
    );
    // The retire itself, each member's part of it, and the standing tombstone.
    expect(metrics).toMatch(new RegExp(`^keysync_operations\\{cluster="${api.cluster}",kind="retire",state="completed"\\} 1$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^keysync_operations\\{cluster="${api.cluster}",kind="member-retire",state="retired"\\} 3$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^keysync_operations\\{cluster="${api.cluster}",kind="tombstone",state="retired"\\} 1$`, 'm'));
  });

  it('uploading the recovery package restores the key on node1 and lifts the tombstone, recorded in the upload’s history', async () => {
    const bytes = readFileSync(join(fixture.packagesDir, retired.recoveryPackage!.digest));
    const upload = await api.request('POST', `/v1/clusters/${api.cluster}/members/node1/packages`, {
      as: 'operator',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(202);
    const operationId = upload.body.operationId as string;
    const done = await waitFor(async () => {
      const view = (await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}`, { as: 'auditor' })).body as { state: string; members: { detail?: string }[] };
      return view.state !== 'running' ? view : null;
    }, { timeoutMs: 60_000, description: 'the upload to end' });
    expect(done.state).toBe('completed');
    expect(done.members[0]?.detail).toContain(`Restored retired old-ca (private ${key.id}): tombstone lifted.`);
    expect(await keyObjectsOn(fixture, 'node1', key.id)).toEqual(WHOLE_GROUP);

    const lifted = (await tombstone().result()) as TombstoneResult;
    expect(lifted.liftedBy).toEqual({ operationId, requestedBy: 'operator' });
    const history = await fixture.client.workflow.getHandle(operationId).fetchHistory();
    expect((history.events ?? []).some((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'lift-tombstone')).toBe(true);

    // No longer retired: the next drift watch syncs it to the member that lacks it.
    const after = await driftWatch();
    expect(after.retired).toEqual([]);
    expect(after.syncs).toEqual([expect.objectContaining({ keyIds: [key.id], targets: ['node3'] })]);
  });
});
