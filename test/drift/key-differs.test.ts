// Drift state `differs` and the updates that close it, on real tokens and the real dev server
// (DESIGN 13). A key whose certificate was renewed with pkcs11-tool on node1 (same key, a later
// notBefore) shows as differing on the members that still hold the old certificate, in the drift
// watch's result, the API's inventory, the CLI table and --json, and /metrics. An operator's sync
// brings the renewed certificate to the others (the old object gone, counted with pkcs11-tool) and
// a second sync changes nothing; a replacement interrupted after its new certificate was created
// is completed by the next sync; drift `auto` heals a certificate from the member whose
// certificate is newest; a label changed on one member travels by an operator's sync to every
// object of the group, and drift only reports it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftWatchResult } from '../../libs/contract/drift';
import type { KeyGroup, KeyRef } from '../../libs/contract/keys';
import type { KeySyncResult } from '../../libs/contract/operation-inputs';
import { sha256Hex } from '../../libs/digest';
import { driftWatchWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { DriftWatchWorkflow, KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { objectLabels } from '../faults/support/token-objects';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from '../workflows/support/histories';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { runCli } from '../cli/support/run-cli';
import { makeCertificate } from '../hsm/support/certificate';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { keyObjectsOn, seedKeyEverywhere } from '../workflows/support/retire-helpers';
import { deleteCertificateWithPkcs11Tool, renewCertificateWithPkcs11Tool, writeCertificateWithPkcs11Tool } from './support/pkcs11-tool';
import { lockCertificate, relabelObjects } from './support/relabel-key';

const WHOLE_GROUP = { 'private-key': 1, 'public-key': 1, certificate: 1 };
const HOUR = 3_600_000;

const MEMBERS = ['node1', 'node2', 'node3'];

describe('drift state differs', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let key: KeyRef;
  let renewed: Buffer;
  let watchRun = 0;

  const memberConfig = (member: string) => fixture.cluster.members.find((candidate) => candidate.id === member)!;
  const watchIds: string[] = [];
  /** The drift watch that healed a certificate: recorded for replay. */
  let healWatchId: string | undefined;
  const syncIds: string[] = [];
  const driftWatch = (mode: 'auto' | 'alert'): Promise<DriftWatchResult> => {
    const workflowId = `${driftWatchWorkflowId(fixture.clusterId)}-differs-${(watchRun += 1)}`;
    watchIds.push(workflowId);
    return fixture.client.workflow.execute<DriftWatchWorkflow>(workflowTypes.driftWatch, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), mode, timing: { nodeProbeSeconds: 5 } }],
    });
  };

  let syncRun = 0;
  const sync = (source: string): Promise<KeySyncResult> => {
    const workflowId = keySyncWorkflowId(fixture.clusterId, `differs-${(syncRun += 1)}`);
    syncIds.push(workflowId);
    return fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), source, keyIds: [key.id], requestedBy: 'operator-1', reason: 'renewed certificate' }],
    });
  };
  const groupOn = (member: string): Promise<KeyGroup | undefined> =>
    fixture.withToken(member, async (token) => (await token.inventory()).find((group) => group.id === key.id));
  /** A renewal of the key's certificate starting `hours` from now (so later than the previous ones). */
  const renewal = async (hours: number): Promise<Buffer> => {
    const spki = await fixture.withToken('node1', (token) => token.publicKeyDer({ class: 'private', id: key.id }));
    return makeCertificate(spki!, key.label, { notBefore: new Date(Date.now() + hours * HOUR) });
  };
  /** Every member holds the whole group once, with this certificate and no other. */
  const expectCertificateEverywhere = async (der: Buffer): Promise<void> => {
    for (const member of MEMBERS) {
      expect(await keyObjectsOn(fixture, member, key.id), `objects on ${member}`).toEqual(WHOLE_GROUP);
      const group = await groupOn(member);
      expect(group?.certificate?.fingerprint, `certificate on ${member}`).toBe(sha256Hex(der));
      expect(group?.otherCertificates, `stale certificates on ${member}`).toBeUndefined();
    }
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: MEMBERS, withSecrets: MEMBERS });
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    key = await seedKeyEverywhere(fixture, 'node1', 'ce01', 'web-ca');
    // The CA renews the certificate of the same key on node1: a later notBefore, installed with pkcs11-tool.
    const spki = await fixture.withToken('node1', (token) => token.publicKeyDer({ class: 'private', id: key.id }));
    renewed = makeCertificate(spki!, key.label, { notBefore: new Date(Date.now() + HOUR) });
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

  it('an operator’s sync from node1 brings the renewed certificate to node2 and node3, and the old certificate object is gone', async () => {
    const result = await sync('node1');
    expect(result.state, JSON.stringify(result.members)).toBe('completed');
    expect(result.members.map((member) => [member.member, member.state, member.keysImported, member.keysUpdated])).toEqual([
      ['node2', 'in-sync', 0, 1],
      ['node3', 'in-sync', 0, 1],
    ]);
    expect(result.members[0]?.detail).toContain('Updated web-ca (private ce01: certificate)');
    const view = await api.request('GET', `/v1/operations/${encodeURIComponent(result.operationId)}`, { as: 'auditor' });
    expect((view.body as { members: { member: string; keysUpdated?: number }[] }).members.map((member) => [member.member, member.keysUpdated])).toEqual([
      ['node2', 1],
      ['node3', 1],
    ]);
    await expectCertificateEverywhere(renewed);
  });

  it('a second sync updates nothing', async () => {
    const result = await sync('node1');
    expect(result.state).toBe('completed');
    expect(result.package).toBeNull();
    expect(result.message).toMatch(/^Nothing to do/);
    expect(result.members.every((member) => member.state === 'in-sync' && !member.keysUpdated)).toBe(true);
    await expectCertificateEverywhere(renewed);
  });

  it('a member that lost its certificate object differs, and a sync gives it back, counted as an update', async () => {
    await deleteCertificateWithPkcs11Tool(memberConfig('node2'), fixture.pins.node2!, { id: key.id });
    expect((await driftWatch('alert')).drift.find((entry) => entry.id === key.id)).toMatchObject({ reference: 'node1', differsOn: ['node2'] });
    const result = await sync('node1');
    expect(result.state, JSON.stringify(result.members)).toBe('completed');
    expect(result.members.map((member) => [member.member, member.keysUpdated])).toEqual([
      ['node2', 1],
      ['node3', undefined],
    ]);
    await expectCertificateEverywhere(renewed);
  });

  it('a replacement interrupted after the new certificate object was created (the old one still there) is completed by the next sync: exactly one certificate', async () => {
    const next = await renewal(2);
    await renewCertificateWithPkcs11Tool(memberConfig('node1'), fixture.pins.node1!, { id: key.id, label: key.label, der: next });
    // node3 as an update left it when its agent died between the create and the destroy: both certificates.
    await writeCertificateWithPkcs11Tool(memberConfig('node3'), fixture.pins.node3!, { id: key.id, label: key.label, der: next });
    expect(await keyObjectsOn(fixture, 'node3', key.id)).toEqual({ ...WHOLE_GROUP, certificate: 2 });
    expect((await groupOn('node3'))?.otherCertificates).toBe(1);
    // The source too holds the older one beside its newest: it sends the newest, the one its inventory reports.
    await writeCertificateWithPkcs11Tool(memberConfig('node1'), fixture.pins.node1!, { id: key.id, label: key.label, der: renewed });
    expect((await groupOn('node1'))?.certificate?.fingerprint).toBe(sha256Hex(next));

    const result = await sync('node1');
    expect(result.state, JSON.stringify(result.members)).toBe('completed');
    expect(result.members.map((member) => [member.member, member.keysUpdated])).toEqual([
      ['node2', 1],
      ['node3', 1],
    ]);
    for (const member of ['node2', 'node3']) {
      expect(await keyObjectsOn(fixture, member, key.id), `objects on ${member}`).toEqual(WHOLE_GROUP);
      expect((await groupOn(member))?.certificate?.fingerprint, `certificate on ${member}`).toBe(sha256Hex(next));
    }
    // node1 keeps its stale certificate until a sync to it: the next test's drift auto heals it with the rest.
    expect((await groupOn('node1'))?.otherCertificates).toBe(1);
  });

  it('drift auto heals a certificate renewed on node2 from node2, whose certificate is newest, and then sees no drift', async () => {
    const newest = await renewal(3);
    await renewCertificateWithPkcs11Tool(memberConfig('node2'), fixture.pins.node2!, { id: key.id, label: key.label, der: newest });
    const watch = await driftWatch('auto');
    healWatchId = watchIds.at(-1);
    expect(watch.drift.find((entry) => entry.id === key.id)).toMatchObject({ reference: 'node2', differsOn: ['node1', 'node3'] });
    expect(watch.syncs.map(({ source, keyIds, targets }) => ({ source, keyIds, targets }))).toEqual([{ source: 'node2', keyIds: [key.id], targets: ['node1', 'node3'] }]);
    syncIds.push(watch.syncs[0]!.operationId);
    const healed = await fixture.client.workflow.getHandle<KeySyncWorkflow>(watch.syncs[0]!.operationId).result();
    expect(healed.state, JSON.stringify(healed.members)).toBe('completed');
    expect(healed.members.map((member) => [member.member, member.keysUpdated])).toEqual([
      ['node1', 1],
      ['node3', 1],
    ]);
    await expectCertificateEverywhere(newest);
    const after = await driftWatch('auto');
    expect(after.state).toBe('in-sync');
    expect(after.syncs).toEqual([]);
  });

  it('a label changed on node1 is only reported by drift auto, and an operator’s sync from node1 brings it to every object of the group elsewhere', async () => {
    expect(await relabelObjects(memberConfig('node1'), fixture.pins.node1!, key.id, 'web-ca-2027')).toBe(3);
    const watch = await driftWatch('auto');
    // The most common label is the reference: node1 is the odd one out, and nothing is synced for a label.
    expect(watch.drift.find((entry) => entry.id === key.id)).toMatchObject({ label: 'web-ca', differsOn: ['node1'] });
    expect(watch.syncs).toEqual([]);
    expect((await groupOn('node2'))?.label).toBe('web-ca');

    const result = await sync('node1');
    expect(result.state, JSON.stringify(result.members)).toBe('completed');
    expect(result.members.map((member) => [member.member, member.keysUpdated])).toEqual([
      ['node2', 1],
      ['node3', 1],
    ]);
    for (const member of ['node2', 'node3']) {
      expect(await objectLabels(memberConfig(member), fixture.pins[member]!, key.id), `labels on ${member}`).toEqual({
        'private-key': ['web-ca-2027'],
        'public-key': ['web-ca-2027'],
        certificate: ['web-ca-2027'],
      });
    }
    expect((await driftWatch('alert')).state).toBe('in-sync');
  });

  it('a member whose module refuses the change keeps the group differing with the module’s reason, and the rest of the sync proceeds', async () => {
    expect(await lockCertificate(memberConfig('node3'), fixture.pins.node3!, key.id)).toBe(1);
    expect(await relabelObjects(memberConfig('node1'), fixture.pins.node1!, key.id, 'web-ca-2028')).toBe(3);
    const result = await sync('node1');
    expect(result.state, JSON.stringify(result.members)).toBe('completed');
    const [node2, node3] = result.members;
    expect([node2?.state, node2?.keysUpdated, node2?.notUpdated]).toEqual(['in-sync', 1, undefined]);
    expect([node3?.state, node3?.keysUpdated]).toEqual(['in-sync', 0]);
    expect(node3?.notUpdated?.map(({ class: keyClass, id, label }) => ({ class: keyClass, id, label }))).toEqual([{ class: 'private', id: key.id, label: 'web-ca-2028' }]);
    expect(node3?.notUpdated?.[0]?.reason).toContain('CKR_ACTION_PROHIBITED');
    expect(node3?.detail).toContain('Left differing web-ca-2028');
    expect((await groupOn('node2'))?.label).toBe('web-ca-2028');
    expect((await groupOn('node3'))?.label).toBe('web-ca-2027');
    const watch = await driftWatch('alert');
    expect(watch.drift.find((entry) => entry.id === key.id)).toMatchObject({ label: 'web-ca-2028', differsOn: ['node3'] });
  });

  it('leaves no PIN and no wrapped key bytes in the histories of the updates (recorded for replay)', async () => {
    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    const ids = [...watchIds, ...syncIds.flatMap((id) => [id, memberSyncWorkflowId(id, 'node1'), memberSyncWorkflowId(id, 'node2'), memberSyncWorkflowId(id, 'node3')])];
    let scanned = 0;
    for (const id of ids) {
      const history = await fetchHistoryJson(fixture.client, id).catch(() => null);
      if (history === null) continue;
      scanned += 1;
      expect(secretsIn(history, secrets), `secrets in the history of ${id}`).toBe(0);
    }
    expect(scanned).toBeGreaterThanOrEqual(watchIds.length + syncIds.length);
    // The first operator sync (a certificate update on node2 and node3) and the drift watch that healed from node2.
    recordHistory('key-sync-update', syncIds[0]!, await fetchHistoryJson(fixture.client, syncIds[0]!));
    recordHistory('member-sync-update', memberSyncWorkflowId(syncIds[0]!, 'node2'), await fetchHistoryJson(fixture.client, memberSyncWorkflowId(syncIds[0]!, 'node2')));
    recordHistory('drift-watch-certificate-heal', healWatchId!, await fetchHistoryJson(fixture.client, healWatchId!));
  });
});
