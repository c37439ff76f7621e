// The availability gate and /metrics over HTTP, on the real API, real node agents on SoftHSM tokens
// and the run's Temporal dev server. Keys are made outside KeySync with pkcs11-tool.
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditArchive } from '../../libs/audit-archive';
import type { ClusterInventoryResult } from '../../libs/contract/cluster-inventory';
import type { DriftWatchInput, DriftWatchResult } from '../../libs/contract/drift';
import type { KeyAvailabilityResult } from '../../libs/contract/key-availability';
import type { KeySyncInput } from '../../libs/contract/operation-inputs';
import { memberTaskQueue } from '../../libs/contract/task-queues';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { DriftWatchWorkflow, KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { startApiHarness } from '../api/support/api-harness';
import type { ApiHarness } from '../api/support/api-harness';
import { waitFor } from '../support/wait-for';
import { fetchHistoryJson, recordHistory } from '../workflows/support/histories';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { parseSamples, sampleValue } from './support/prometheus-text';
import { generateKeyWithPkcs11Tool } from './support/pkcs11-tool';

describe('availability gate and metrics', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let driftRuns = 0;

  const makeKey = (member: string, id: string, label: string) =>
    generateKeyWithPkcs11Tool(fixture.cluster.members.find((candidate) => candidate.id === member)!, fixture.pins[member]!, { id, label });
  const holders = async (id: string) => {
    const held: string[] = [];
    for (const member of ['node1', 'node2', 'node3']) {
      if ((await fixture.withToken(member, (token) => token.inventory())).some((group) => group.id === id)) held.push(member);
    }
    return held;
  };
  const availability = (id: string, query: string, as: 'auditor' | 'operator' = 'auditor') =>
    api.request('GET', `/v1/clusters/${fixture.clusterId}/keys/${id}/availability${query}`, { as });
  const runDriftWatch = (mode: DriftWatchInput['mode']): Promise<DriftWatchResult> =>
    fixture.client.workflow.execute<DriftWatchWorkflow>(workflowTypes.driftWatch, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: `drift:${fixture.clusterId}-test-${(driftRuns += 1)}`,
      args: [{ cluster: fixture.snapshot(), mode, timing: { nodeProbeSeconds: 5 } }], // every agent runs: no wait, and no false 'unreachable' under load
    });
  const scrape = async () => {
    const response = await fetch(`${api.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseSamples(await response.text());
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2', 'node3'], withSecrets: ['node1', 'node2', 'node3'] });
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('answers at once with who lacks a key that is on one member only', async () => {
    await makeKey('node2', '0a01', 'fresh-ca');
    const response = await availability('0a01', '');
    expect(response.status).toBe(200);
    const body = response.body as unknown as KeyAvailabilityResult;
    expect(body).toMatchObject({ keyId: '0a01', available: false, lacking: ['node1', 'node3'], conflicting: false, operationId: null });
    expect(body.members).toEqual([
      { member: 'node1', presence: 'missing' },
      { member: 'node2', presence: 'present' },
      { member: 'node3', presence: 'missing' },
    ]);
    expect(body.message).toContain('sync=true');
  });

  it('shows every member\'s keys and the drift per key and member in the inventory', async () => {
    const response = await api.request('GET', `/v1/clusters/${fixture.clusterId}/inventory`, { as: 'auditor' });
    expect(response.status).toBe(200);
    const body = response.body as unknown as ClusterInventoryResult;
    expect(body.members.map((member) => [member.member, member.keys?.map((key) => key.id), member.hasClusterSecrets])).toEqual([
      ['node1', [], true],
      ['node2', ['0a01'], true],
      ['node3', [], true],
    ]);
    expect(body.members[1]!.keys![0]).toMatchObject({ class: 'private', keyType: 'ec', curve: 'P-256', label: 'fresh-ca', exportable: true });
    expect(body.drift).toEqual([expect.objectContaining({ id: '0a01', missingOn: ['node1', 'node3'], conflicting: false })]);
    expect(body.drift[0]!.holders).toEqual([{ member: 'node2', fingerprint: body.members[1]!.keys![0]!.fingerprint, exportable: true, label: body.members[1]!.keys![0]!.label, hasCertificate: false }]);
  });

  it('with wait, answers as soon as the key is on every member, not at the end of the wait', async () => {
    const waiting = availability('0a01', '?wait=60s');
    // The gate is waiting; the key arrives by an operator's sync meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = await api.request('POST', `/v1/clusters/${fixture.clusterId}/syncs`, { as: 'operator', json: { source: 'node2', keyIds: ['0a01'], reason: 'gate test' } });
    expect(started.status).toBe(202);
    const syncDone = Date.now();
    await fixture.client.workflow.getHandle<KeySyncWorkflow>(started.body.operationId as string).result();
    const syncEnded = Date.now();
    const response = await waiting;
    const answered = Date.now();
    const body = response.body as unknown as KeyAvailabilityResult;
    expect(body).toMatchObject({ available: true, lacking: [] });
    expect(body.waitedSeconds).toBeGreaterThan(1);
    expect(body.waitedSeconds).toBeLessThan(30);
    // It was still waiting when the sync started, and answered within a few seconds of the key landing.
    expect(answered).toBeGreaterThanOrEqual(syncDone);
    expect(answered - syncEnded).toBeLessThan(5_000);
    expect(await holders('0a01')).toEqual(['node1', 'node2', 'node3']);
  });

  it('with sync=true, an operator starts the sync and gets the key everywhere, its histories archived; other roles may not', async () => {
    await makeKey('node3', '0b02', 'ocsp-signer');
    const refused = await availability('0b02', '?wait=10s&sync=true', 'auditor');
    expect(refused.status).toBe(403);
    expect(await holders('0b02')).toEqual(['node3']);

    const response = await availability('0b02', '?wait=30s&sync=true', 'operator');
    expect(response.status).toBe(200);
    const body = response.body as unknown as KeyAvailabilityResult;
    expect(body).toMatchObject({ available: true, lacking: [] });
    expect(body.operationId).toMatch(new RegExp(`^sync:${fixture.clusterId}:avail-[0-9a-f]{16}$`));
    expect(await holders('0b02')).toEqual(['node1', 'node2', 'node3']);
    // The gate's sync and its members start archiving first (the gate waits on them): every history still lands, closed.
    const archive = new AuditArchive(fixture.config.auditArchive.dir);
    const expected = [body.operationId!, `${body.operationId!}:node1`, `${body.operationId!}:node2`];
    await waitFor(async () => {
      const archived = new Set((await archive.list({ cluster: fixture.clusterId })).map((entry) => entry.workflowId));
      return expected.every((id) => archived.has(id));
    }, { timeoutMs: 60_000, description: "the gate's keySync and memberSync histories in the audit archive" });
    for (const entry of await archive.list({ cluster: fixture.clusterId })) {
      if (!expected.includes(entry.workflowId)) continue;
      const events = (JSON.parse(await archive.readHistory(entry.digest)) as { events: Record<string, unknown>[] }).events;
      expect(Object.keys(events.at(-1)!).some((key) => key.startsWith('workflowExecutionCompleted'))).toBe(true);
    }
  });

  it('refuses a wait over the bound and a malformed key id with 400', async () => {
    expect((await availability('0a01', '?wait=500s')).status).toBe(400);
    expect((await availability('xyz', '')).status).toBe(400);
    expect((await availability('0a01', '?sync=maybe')).status).toBe(400);
  });

  it('serves /metrics without a token, and its figures follow keys, drift and syncs', async () => {
    const cluster = fixture.clusterId;
    await makeKey('node1', '0c03', 'renewal');
    const alert = await runDriftWatch('alert');
    expect(alert.drift.map((entry) => entry.id)).toEqual(['0c03']);
    const before = await waitFor(async () => {
      const samples = await scrape();
      return sampleValue(samples, 'keysync_drift_keys', { cluster }) === 1 ? samples : null;
    }, { description: 'drift of one key in /metrics', timeoutMs: 15_000, intervalMs: 500 });
    expect(sampleValue(before, 'keysync_member_missing_keys', { cluster, member: 'node2' })).toBe(1);
    expect(sampleValue(before, 'keysync_member_status', { cluster, member: 'node2', status: 'lacking' })).toBe(1);
    expect(sampleValue(before, 'keysync_member_keys', { cluster, member: 'node1' })).toBe(3);
    expect(sampleValue(before, 'keysync_member_keys', { cluster, member: 'node2' })).toBe(2);
    const completedBefore = sampleValue(before, 'keysync_operations', { cluster, kind: 'sync', state: 'completed' }) ?? 0;
    expect(completedBefore).toBeGreaterThanOrEqual(2); // the operator's sync and the availability sync above
    // The sync=true request above closed its gap; the drift watch has closed none yet.
    expect(sampleValue(before, 'keysync_drift_detection_to_in_sync_seconds_count', { cluster, trigger: 'availability' })).toBe(1);
    expect(sampleValue(before, 'keysync_drift_detection_to_in_sync_seconds_count', { cluster, trigger: 'drift' }) ?? 0).toBe(0);

    // The drift watch heals it; its next look finds no drift.
    const auto = await runDriftWatch('auto');
    expect(auto.syncs).toEqual([expect.objectContaining({ source: 'node1', keyIds: ['0c03'], started: true })]);
    await fixture.client.workflow.getHandle<KeySyncWorkflow>(auto.syncs[0]!.operationId).result();
    expect((await runDriftWatch('alert')).state).toBe('in-sync');

    const after = await waitFor(async () => {
      const samples = await scrape();
      const healed = sampleValue(samples, 'keysync_drift_detection_to_in_sync_seconds_count', { cluster, trigger: 'drift' }) === 1;
      const counted = (sampleValue(samples, 'keysync_operations', { cluster, kind: 'sync', state: 'completed' }) ?? 0) > completedBefore;
      return sampleValue(samples, 'keysync_drift_keys', { cluster }) === 0 && healed && counted ? samples : null;
    }, { description: 'no drift, one more completed sync and one heal time in /metrics', timeoutMs: 15_000, intervalMs: 500 });
    expect(sampleValue(after, 'keysync_member_keys', { cluster, member: 'node2' })).toBe(3);
    expect(sampleValue(after, 'keysync_member_status', { cluster, member: 'node2', status: 'in-sync' })).toBe(1);
    expect(sampleValue(after, 'keysync_operations', { cluster, kind: 'member-sync', state: 'in-sync' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'keysync_operations', { cluster, kind: 'drift-watch', state: 'in-sync' })).toBeGreaterThanOrEqual(1);
    const healSeconds = sampleValue(after, 'keysync_drift_detection_to_in_sync_seconds_sum', { cluster, trigger: 'drift' }) ?? -1;
    expect(healSeconds).toBeGreaterThan(0);
    expect(healSeconds).toBeLessThan(60);
  });

  it("with sync=true, the gate's sync takes its pre-flight from the gate's survey: it asks no member again before the export", async () => {
    await makeKey('node1', '0b03', 'tsa-signer');
    const response = await availability('0b03', '?wait=30s&sync=true', 'operator');
    expect(response.body).toMatchObject({ available: true, lacking: [] });
    const operationId = (response.body as unknown as KeyAvailabilityResult).operationId!;
    const history = await fixture.client.workflow.getHandle(operationId).fetchHistory();
    const memberOfQueue = new Map(['node1', 'node2', 'node3'].map((member) => [memberTaskQueue(fixture.clusterId, member), member]));
    const agentCalls = (history.events ?? []).flatMap((event) => {
      const scheduled = event.activityTaskScheduledEventAttributes;
      const member = memberOfQueue.get(scheduled?.taskQueue?.name ?? '');
      return scheduled && member ? [`${scheduled.activityType?.name} on ${member}`] : [];
    });
    expect(agentCalls).toEqual(['exportKeys on node1']);
    // What stood in for the calls: each member's check values, capabilities and only this key's groups, in the sync's input.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const { surveyed } = defaultPayloadConverter.fromPayload<KeySyncInput>(started!);
    expect(surveyed?.map((survey) => [survey.member, survey.inventory.map((group) => group.id), survey.kcv !== null, survey.capabilities.wrapFormats.length > 0])).toEqual([
      ['node1', ['0b03'], true, true],
      ['node2', [], true, true],
      ['node3', [], true, true],
    ]);
    const gateId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.parentWorkflowExecution?.workflowId;
    expect(gateId).toMatch(new RegExp(`^availability:${fixture.clusterId}:0b03:`));
    recordHistory('key-sync-surveyed', operationId, await fetchHistoryJson(fixture.client, operationId));
    recordHistory('key-availability-sync', gateId!, await fetchHistoryJson(fixture.client, gateId!));
  });
});
