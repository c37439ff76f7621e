// Drift state `differs` on real tokens and the real dev server (DESIGN 13): a key whose
// certificate was renewed with pkcs11-tool on node1 (same key, a later notBefore) shows as
// differing on the members that still hold the old certificate, in the drift watch's result,
// the API's inventory, the CLI table and --json, and /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftWatchResult } from '../../libs/contract/drift';
import type { KeyRef } from '../../libs/contract/keys';
import { sha256Hex } from '../../libs/digest';
import { driftWatchWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { DriftWatchWorkflow } from '../../libs/contract/workflow-types';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { runCli } from '../cli/support/run-cli';
import { makeCertificate } from '../hsm/support/certificate';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { seedKeyEverywhere } from '../workflows/support/retire-helpers';
import { renewCertificateWithPkcs11Tool } from './support/pkcs11-tool';

const MEMBERS = ['node1', 'node2', 'node3'];

describe('drift state differs', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let key: KeyRef;
  let renewed: Buffer;
  let watchRun = 0;

  const memberConfig = (member: string) => fixture.cluster.members.find((candidate) => candidate.id === member)!;
  const driftWatch = (mode: 'auto' | 'alert'): Promise<DriftWatchResult> =>
    fixture.client.workflow.execute<DriftWatchWorkflow>(workflowTypes.driftWatch, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: `${driftWatchWorkflowId(fixture.clusterId)}-differs-${(watchRun += 1)}`,
      args: [{ cluster: fixture.snapshot(), mode, timing: { nodeProbeSeconds: 5 } }],
    });

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: MEMBERS, withSecrets: MEMBERS });
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    key = await seedKeyEverywhere(fixture, 'node1', 'ce01', 'web-ca');
    // The CA renews the certificate of the same key on node1: a later notBefore, installed with pkcs11-tool.
    const spki = await fixture.withToken('node1', (token) => token.publicKeyDer({ class: 'private', id: key.id }));
    renewed = makeCertificate(spki!, key.label, { notBefore: new Date(Date.now() + 3_600_000) });
    await renewCertificateWithPkcs11Tool(memberConfig('node1'), fixture.pins.node1!, { id: key.id, label: key.label, der: renewed });
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('the drift watch reports the key differing on node2 and node3 against node1, whose certificate is newest', async () => {
    const result = await driftWatch('alert');
    const entry = result.drift.find((candidate) => candidate.id === key.id);
    expect(entry).toMatchObject({ reference: 'node1', differsOn: ['node2', 'node3'], missingOn: [], conflicting: false });
    expect(entry?.holders.find((holder) => holder.member === 'node1')?.certificate?.fingerprint).toBe(sha256Hex(renewed));
    expect(result.state).toBe('drift');
    expect(result.syncs).toEqual([]);
    expect(result.members.map((member) => [member.member, member.differsCount ?? 0])).toEqual([
      ['node1', 0],
      ['node2', 1],
      ['node3', 1],
    ]);
  });

  it('the inventory shows it: API (certificate facts, differsOn), CLI table and --json (differs); /metrics counts it', async () => {
    const inventory = await api.request('GET', `/v1/clusters/${api.cluster}/inventory`, { as: 'auditor' });
    expect(inventory.status).toBe(200);
    expect(inventory.body.drift).toEqual([expect.objectContaining({ id: key.id, differsOn: ['node2', 'node3'], reference: 'node1' })]);
    const node1 = (inventory.body.members as { member: string; keys: { id: string; certificate?: { fingerprint: string; notBefore: string } }[] }[]).find((member) => member.member === 'node1');
    expect(node1?.keys.find((candidate) => candidate.id === key.id)?.certificate?.fingerprint).toBe(sha256Hex(renewed));

    const cli = ['--api', api.baseUrl, '--token', api.tokens.auditor, 'inventory', '--cluster', api.cluster];
    const table = await runCli(cli, { NO_COLOR: '1' });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').find((line) => line.startsWith('web-ca'))).toMatch(/^web-ca\s+ce01\s+private ec\s+yes\s+differs\s+differs\s+drift$/);
    expect(table.stdout).toContain('web-ca differs on node2 (certificate), node3 (certificate)');
    const json = await runCli(['--json', ...cli], {});
    expect(json.code, json.stderr).toBe(0);
    const rows = (JSON.parse(json.stdout) as { keys: { id: string; members: Record<string, string>; drift: boolean }[] }).keys;
    expect(rows.find((row) => row.id === key.id)).toMatchObject({ members: { node1: 'present', node2: 'differs', node3: 'differs' }, drift: true });

    const gauge = new RegExp(`^keysync_drift_differs_keys\\{cluster="${api.cluster}"\\} 1$`, 'm');
    await waitFor(async () => gauge.test(await (await fetch(`${api.baseUrl}/metrics`)).text()), {
      timeoutMs: 30_000,
      intervalMs: 1_000,
      description: 'keysync_drift_differs_keys 1 in /metrics',
    });
  });
});
