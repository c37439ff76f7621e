// The faults of a retire (DESIGN 13), on real tokens, the real dev server and a real agent process:
// n3's agent is down while the key is retired: n1 and n2 are done, n3 waits (its whole group still
// there, counted with pkcs11-tool) and completes once its agent is back. Then n3's agent is killed
// with SIGKILL in the middle of destroying a key group (one with many identical certificate
// copies, so the destroy takes a while): the key is still whole but for some certificates (the
// crash-safe order), and the retry after a restart finishes it: nothing of the group is left. And
// a retire whose only holder is down waits for it to export the recovery package, continuing as
// new with its approvals as the wait grows its history.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTiming } from '../../libs/contract/agent-timing';
import type { KeyRef } from '../../libs/contract/keys';
import { approveUpdate, memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { RetireState } from '../../libs/contract/retire';
import { memberRetireWorkflowId } from '../../libs/contract/workflow-ids';
import type { RetireWorkflow } from '../../libs/contract/workflow-types';
import { copyObject } from '../hsm/support/raw-objects';
import { waitFor } from '../support/wait-for';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import { keyObjectsOn, retireApproval, seedKeyEverywhere, startRetire } from '../workflows/support/retire-helpers';
import type { WorkflowHandle } from '@temporalio/client';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from './support/worker-process';
import type { WorkerProcess } from './support/worker-process';

const MEMBERS = ['n1', 'n2', 'n3'];
const WHOLE_GROUP = { 'private-key': 1, 'public-key': 1, certificate: 1 };
/** Identical certificate copies on n3: enough objects for the destroy to be caught half-way. */
const CERTIFICATE_COPIES = 600;
const timing: Partial<AgentTiming> = { nodeProbeSeconds: 2, nodeProbeMaxSeconds: 4, heartbeatSeconds: 3, callSeconds: 30, retryInitialSeconds: 1, retryMaxSeconds: 2 };

describe('a retire when an agent is away or dies', () => {
  let fixture: ClusterFixture;
  let configPath: string;
  const processes: WorkerProcess[] = [];

  async function startN3(): Promise<WorkerProcess> {
    const worker = startWorkerProcess(configPath, ['--member', 'n3', '--cluster', fixture.clusterId]);
    processes.push(worker);
    await worker.waitForOutput('workers polling');
    return worker;
  }
  async function approveTwice(retire: WorkflowHandle<RetireWorkflow>, key: KeyRef): Promise<void> {
    await waitFor(async () => ((await retire.query(operationStateQuery)) as RetireState).approvals.deadline !== undefined, { description: 'the retire awaiting approvals' });
    for (const index of [0, 1]) await retire.executeUpdate(approveUpdate, { args: [retireApproval(fixture, index, retire.workflowId, key)] });
  }
  const memberState = (retireId: string, member: string) => fixture.client.workflow.getHandle(memberRetireWorkflowId(retireId, member)).query(memberStateQuery);

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: MEMBERS, withSecrets: MEMBERS });
    configPath = writeWorkerConfig(fixture.config, join(fixture.dir, 'config.json'));
    // The orchestrator and n1's and n2's agents run here; n3's agent in a process of its own.
    await fixture.startWorkers({ members: ['n1', 'n2'] });
  });

  afterAll(async () => {
    for (const worker of processes) await stopWorkerProcess(worker);
    await fixture?.close();
  });

  it("waits for n3's agent while it is down, with n3's group whole, and completes when it returns", async () => {
    const first = await startN3();
    const key = await seedKeyEverywhere(fixture, 'n1', 'aa01', 'away-key');
    expect(await stopWorkerProcess(first)).toEqual({ code: 0, signal: null });

    const retire = await startRetire(fixture, key, { timing });
    await approveTwice(retire, key);
    await waitFor(
      async () => {
        const state = (await retire.query(operationStateQuery)) as RetireState;
        const n3 = await memberState(retire.workflowId, 'n3').catch(() => null);
        const done = state.members.filter((member) => member.state === 'retired').map((member) => member.member);
        return done.join(',') === 'n1,n2' && n3?.state === 'waiting-for-node';
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'n1 and n2 retired, n3 waiting for its node' },
    );
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual(WHOLE_GROUP);
    for (const member of ['n1', 'n2']) expect(await keyObjectsOn(fixture, member, key.id), `the key on ${member}`).toEqual({});

    await startN3();
    const result = await retire.result();
    expect(result.state).toBe('completed');
    expect(result.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['n1', 'retired', 3],
      ['n2', 'retired', 3],
      ['n3', 'retired', 3],
    ]);
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual({});
  });

  it('SIGKILL of n3’s agent in the middle of its destroy leaves the key recognisable, and the retry leaves nothing of the group', async () => {
    const key = await seedKeyEverywhere(fixture, 'n1', 'bb02', 'killed-key');
    const n3 = fixture.cluster.members.find((member) => member.id === 'n3')!;
    copyObject({ ...n3, pinValue: fixture.pins.n3! }, pkcs11.CKO_CERTIFICATE, key.id, CERTIFICATE_COPIES);
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual({ ...WHOLE_GROUP, certificate: CERTIFICATE_COPIES + 1 });
    // SoftHSM keeps one file per object: its token folder is a cheap witness to poll while the destroy runs.
    const tokensDir = join(fixture.dir, 'tokens');
    const objectFiles = (folder: string) => readdirSync(join(tokensDir, folder)).filter((name) => name.endsWith('.object')).length;
    const n3Folder = readdirSync(tokensDir).sort((a, b) => objectFiles(b) - objectFiles(a))[0]!;
    const before = objectFiles(n3Folder);

    const doomed = processes.at(-1)!;
    const retire = await startRetire(fixture, key, { timing });
    await approveTwice(retire, key);
    const partway = await waitFor(
      () => {
        const now = objectFiles(n3Folder);
        return now < before && now > before - CERTIFICATE_COPIES ? now : false;
      },
      { timeoutMs: 90_000, intervalMs: 2, description: "n3's destroy to be part-way" },
    );
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toMatchObject({ signal: 'SIGKILL' });
    const afterKill = await keyObjectsOn(fixture, 'n3', key.id);
    // Certificates go first: the key and its public key are whole while any certificate is left.
    expect(afterKill['private-key']).toBe(1);
    expect(afterKill['public-key']).toBe(1);
    expect(afterKill.certificate).toBeGreaterThan(0);
    expect(afterKill.certificate).toBeLessThan(CERTIFICATE_COPIES + 1);
    expect(before - partway).toBeGreaterThan(0);

    await startN3();
    const result = await retire.result();
    expect(result.state).toBe('completed');
    expect(result.members.find((member) => member.member === 'n3')).toMatchObject({ state: 'retired' });
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual({});
    // The destroy ran more than once on n3: the killed attempt, then the one that finished.
    const history = await fixture.client.workflow.getHandle(memberRetireWorkflowId(retire.workflowId, 'n3')).fetchHistory();
    const destroyStarts = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'destroyKeyGroup');
    expect(destroyStarts.length).toBeGreaterThan(1);
    for (const worker of processes) for (const pin of Object.values(fixture.pins)) expect(worker.output()).not.toContain(pin);
  });

  it('waits long for the only holder to export the recovery package by continuing as new, approvals carried, and completes once it is back', async () => {
    // A key only n3 holds, n3's agent down: the recovery package waits for it, nothing is destroyed meanwhile.
    const group = await fixture.withToken('n3', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'only-on-n3', id: 'cc03' }));
    const key: KeyRef = { class: 'private', id: 'cc03', label: 'only-on-n3', fingerprint: group.fingerprint };
    expect(await stopWorkerProcess(processes.at(-1)!)).toEqual({ code: 0, signal: null });
    const retire = await startRetire(fixture, key, { holders: ['n3'], timing: { ...timing, nodeProbeSeconds: 1, nodeProbeMaxSeconds: 1, continueAsNewAfterEvents: 40 } });
    const firstRun = (await retire.describe()).runId;
    await approveTwice(retire, key);
    await waitFor(async () => (await fixture.client.workflow.getHandle(retire.workflowId).describe()).runId !== firstRun, {
      timeoutMs: 90_000,
      intervalMs: 500,
      description: 'the retire to continue as new while it waits for n3',
    });
    const waiting = (await fixture.client.workflow.getHandle(retire.workflowId).query(operationStateQuery)) as RetireState;
    expect(waiting).toMatchObject({ phase: 'recovery-package', recoveryPackage: null });
    expect(waiting.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1', 'approver-2']);
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual({ 'private-key': 1, 'public-key': 1 });

    await startN3();
    const result = (await fixture.client.workflow.getHandle(retire.workflowId).result()) as RetireState;
    expect(result.state).toBe('completed');
    expect(result.recoveryPackage?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(result.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['n1', 'retired', 0],
      ['n2', 'retired', 0],
      ['n3', 'retired', 2],
    ]);
    expect(await keyObjectsOn(fixture, 'n3', key.id)).toEqual({});
  });
});
