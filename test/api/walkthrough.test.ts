// A user's path over HTTP against real parts: the API in-process, the run's Temporal dev server,
// the real orchestrator and node agents on SoftHSM tokens. Join node3 with two signed approvals,
// sync a new key with an approval per member, read the operation, histories and audit trail,
// then download the package and upload it to a member by hand.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { type ApiHarness, type PrincipalName, startApiHarness } from './support/api-harness';

interface OperationView {
  state: string;
  package: { digest: string; keyCount: number } | null;
  members: { member: string; state: string; keysImported: number; keysSkipped: number; workflowId?: string }[];
}

describe('walkthrough over HTTP', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;

  const approverIndex: Record<string, number> = { 'approver-1': 0, 'approver-2': 1, 'approver-3': 2 };
  const operation = async (operationId: string) => (await api.request('GET', `/v1/operations/${operationId}`, { as: 'auditor' })).body as unknown as OperationView;
  const until = (operationId: string, done: (view: OperationView) => boolean, description: string) =>
    waitFor(async () => {
      const view = await operation(operationId);
      return done(view) ? view : null;
    }, { timeoutMs: 240_000, intervalMs: 250, description });
  const challengeFor = (operationId: string, member: string, as: PrincipalName) =>
    waitFor(
      async () => {
        const answer = await api.request('GET', `/v1/operations/${operationId}/approvals/${member}/challenge`, { as });
        return answer.status === 200 ? (answer.body.challenge as string) : null;
      },
      { timeoutMs: 240_000, intervalMs: 250, description: `a challenge for ${member}` },
    );
  const approve = async (operationId: string, member: string, as: PrincipalName) => {
    const challenge = await challengeFor(operationId, member, as);
    const approver = fixture.approvers[approverIndex[as] as number];
    return api.request('POST', `/v1/operations/${operationId}/approvals`, {
      as,
      json: { member, decision: 'approve', signature: signText(approver as never, challenge) },
    });
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['node1', 'node2', 'node3'],
      withSecrets: ['node1', 'node2'],
      syncPolicy: { approvals: 1, timeoutSeconds: 300 },
      joinPolicy: { approvals: 2, timeoutSeconds: 300 },
    });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'founder-key', id: 'a1' }));
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('health shows Temporal reachable and every member’s agent up', async () => {
    const health = await waitFor(
      async () => {
        const answer = await api.request('GET', '/v1/health');
        return answer.body.status === 'ok' ? answer.body : null;
      },
      { description: 'every agent up' },
    );
    expect(health.members).toHaveLength(3);
  });

  it('joins node3 with two signed approvals; a second approval by the same approver is a 409 approval-duplicate with the reason', async () => {
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/members`, { as: 'admin', json: { member: 'node3', sponsor: 'node1' } });
    expect(started.status).toBe(202);
    const operationId = started.body.operationId as string;

    expect((await approve(operationId, 'node3', 'approver-1')).status).toBe(200);
    const again = await approve(operationId, 'node3', 'approver-1');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('approval-duplicate');
    expect(String(again.body.message)).toMatch(/counts once.*already counted/);
    expect((await approve(operationId, 'node3', 'approver-2')).status).toBe(200);

    const done = await until(operationId, (view) => view.state !== 'running', 'the join to finish');
    expect(done.state).toBe('completed');
    expect(done.members).toEqual([expect.objectContaining({ member: 'node3', state: 'in-sync' })]);

    // The join's histories: its own, then its key sync's and that sync's member sync for node3.
    const keySyncId = (done as unknown as { join: { keySyncWorkflowId: string } }).join.keySyncWorkflowId;
    const histories = await api.request('GET', `/v1/operations/${operationId}/history`, { as: 'auditor' });
    expect((histories.body.histories as { workflowId: string }[]).map((history) => history.workflowId)).toEqual([operationId, keySyncId, `${keySyncId}:node3`]);
  }, 600_000);

  let syncId = '';
  let digest = '';

  it('syncs a new key to every member with one approval each (a forged one is a 403 approval-bad-signature), and reads it completed', async () => {
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'renewed-ca', id: 'b2' }));
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, {
      as: 'operator',
      json: { source: 'node1', keyIds: ['b2'], reason: 'CA renewal' },
      headers: { 'idempotency-key': 'walkthrough-sync' },
    });
    expect(started.status).toBe(202);
    syncId = started.body.operationId as string;

    await challengeFor(syncId, 'node2', 'approver-3');
    const forged = await api.request('POST', `/v1/operations/${syncId}/approvals`, {
      as: 'approver-3',
      json: { member: 'node2', decision: 'approve', signature: signText(fixture.approvers[2] as never, 'not the challenge') },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('approval-bad-signature');
    expect(String(forged.body.message)).toMatch(/does not verify.*sign exactly that string/);

    for (const member of ['node2', 'node3']) expect((await approve(syncId, member, 'approver-1')).status).toBe(200);
    const done = await until(syncId, (view) => view.state !== 'running', 'the sync to finish');
    expect(done.state).toBe('completed');
    expect(done.members.map((member) => [member.member, member.state, member.keysImported])).toEqual([
      ['node2', 'in-sync', 1],
      ['node3', 'in-sync', 1],
    ]);
    digest = (done.package as { digest: string }).digest;
  }, 600_000);

  it('cancels a sync waiting for approval: it reads cancelled, and a second cancel is a 409', async () => {
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'cancelled-key', id: 'c3' }));
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', keyIds: ['c3'], reason: 'to be cancelled' } });
    const operationId = started.body.operationId as string;
    await challengeFor(operationId, 'node2', 'approver-1');
    expect((await api.request('POST', `/v1/operations/${operationId}/cancel`, { as: 'operator' })).status).toBe(202);
    const done = await until(operationId, (view) => view.state !== 'running', 'the sync to end cancelled');
    expect(done.state).toBe('cancelled');
    expect(done.members.every((member) => member.state === 'failed')).toBe(true);
    const again = await api.request('POST', `/v1/operations/${operationId}/cancel`, { as: 'operator' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('operation-closed');
  }, 300_000);

  it('gives the auditor the raw histories (no PIN in them) and each member’s audit trail', async () => {
    const answer = await api.request('GET', `/v1/operations/${syncId}/history`, { as: 'auditor' });
    expect(answer.status).toBe(200);
    const ids = (answer.body.histories as { workflowId: string }[]).map((history) => history.workflowId);
    expect(ids).toEqual([syncId, `${syncId}:node2`, `${syncId}:node3`]);
    for (const pin of Object.values(fixture.pins)) expect(answer.text).not.toContain(pin);

    const trail = await waitFor(
      async () => {
        const audit = await api.request('GET', `/v1/clusters/${api.cluster}/members/node2/audit`, { as: 'auditor' });
        const entries = audit.body.entries as { workflowId: string; state?: string }[];
        return entries.some((entry) => entry.workflowId === `${syncId}:node2` && entry.state === 'in-sync') ? entries : null;
      },
      { description: 'node2’s member sync in its audit trail' },
    );
    expect(trail.some((entry) => entry.workflowId === syncId)).toBe(true);
  });

  it('downloads the package and uploads it by hand to node2, which skips the key it already holds', async () => {
    const download = await fetch(`${api.baseUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${api.tokens.operator}` } });
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);

    const uploaded = await api.request('POST', `/v1/clusters/${api.cluster}/members/node2/packages?digest=${digest}`, {
      as: 'operator',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(uploaded.status).toBe(202);
    const operationId = uploaded.body.operationId as string;
    expect((await approve(operationId, 'node2', 'approver-2')).status).toBe(200);
    const done = await until(operationId, (view) => view.state !== 'running', 'the upload’s member sync to finish');
    expect(done).toMatchObject({ state: 'completed', package: { digest, keyCount: 1 } });
    expect(done.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 0, keysSkipped: 1 })]);
  }, 300_000);
});
