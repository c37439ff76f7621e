// POST /v1/clusters/{cluster}/members/{member}/repair over HTTP against real parts: the API
// in-process, the run's Temporal dev server, the real orchestrator and node agents on SoftHSM
// tokens, and `keysync repair` on the same. A member without duplicates: the repair completes with
// nothing to repair. (A token given duplicates by hand is repaired in test/concurrency/.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/support/run-cli';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { type ApiHarness, startApiHarness } from './support/api-harness';

interface OperationView {
  operationId: string;
  kind: string;
  state: string;
  message?: string;
  requestedBy: string;
  members: { member: string; state: string; keysImported: number; copiesRemoved?: number }[];
}

describe('repair over HTTP', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  const repairPath = (member: string) => `/v1/clusters/${api.cluster}/members/${member}/repair`;

  beforeAll(async () => {
    // The default sync policy of the fixture needs no approval, so a repair runs to its end alone.
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'] });
    await fixture.withToken('node2', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'only-once', id: 'c1' }));
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('repairs a member with no duplicates: 202 kind repair, then completed with nothing to repair and no copies removed', async () => {
    const started = await api.request('POST', repairPath('node2'), { as: 'operator', json: { reason: 'check for duplicates' } });
    expect(started.status).toBe(202);
    expect(started.body.kind).toBe('repair');
    const operationId = started.body.operationId as string;
    expect(operationId).toMatch(new RegExp(`^sync:${api.cluster}:[0-9a-f-]{36}$`));
    const location = started.headers.get('location');
    expect(location).toBe(`/v1/operations/${encodeURIComponent(operationId)}`);

    const done = await waitFor(
      async () => {
        const view = (await api.request('GET', location as string, { as: 'auditor' })).body as unknown as OperationView;
        return view.state !== 'running' ? view : null;
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'the repair to end' },
    );
    expect(done).toMatchObject({ operationId, kind: 'repair', state: 'completed', requestedBy: 'operator' });
    expect(done.message).toMatch(/^Nothing to repair/);
    expect(done.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 0 })]);
    expect(done.members[0]).not.toHaveProperty('copiesRemoved');
    // The key was left as it was: one object, not duplicated; its only drift is that node1 lacks it.
    const inventory = await api.request('GET', `/v1/clusters/${api.cluster}/inventory`, { as: 'auditor' });
    const node2 = (inventory.body.members as { member: string; keys: { id: string; duplicates?: number }[] }[]).find((member) => member.member === 'node2');
    const held = node2?.keys.filter((key) => key.id === 'c1') ?? [];
    expect(held).toHaveLength(1);
    expect(held[0]?.duplicates).toBeUndefined();
    expect(inventory.body.drift).toEqual([expect.objectContaining({ id: 'c1', missingOn: ['node1'], duplicatedOn: [], conflicting: false })]);
  });

  it('the same Idempotency-Key and reason give the same repair; that key with another reason is a 409', async () => {
    const headers = { 'idempotency-key': 'repair-node1-1' };
    const first = await api.request('POST', repairPath('node1'), { as: 'operator', json: { reason: 'idempotent repair' }, headers });
    const again = await api.request('POST', repairPath('node1'), { as: 'operator', json: { reason: 'idempotent repair' }, headers });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.operationId).toBe(first.body.operationId);
    const other = await api.request('POST', repairPath('node1'), { as: 'operator', json: { reason: 'another reason' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency-conflict');
  });

  it('an unknown member is a 404 that names the members; an unknown cluster a 404 too', async () => {
    const member = await api.request('POST', repairPath('node9'), { as: 'operator', json: { reason: 'no such member' } });
    expect(member.status).toBe(404);
    expect(member.body.code).toBe('member-not-found');
    expect(String(member.body.message)).toContain('node1, node2');
    const cluster = await api.request('POST', '/v1/clusters/no-such-cluster/members/node1/repair', { as: 'operator', json: { reason: 'no such cluster' } });
    expect(cluster.status).toBe(404);
    expect(cluster.body.code).toBe('cluster-not-found');
  });

  it('a missing reason, an unknown field or a bad Idempotency-Key is a 400 naming the field, and starts nothing', async () => {
    const missing = await api.request('POST', repairPath('node2'), { as: 'operator', json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('invalid-input');
    expect(new Set((missing.body.details as { field: string }[]).map((detail) => detail.field))).toEqual(new Set(['reason']));
    const extra = await api.request('POST', repairPath('node2'), { as: 'operator', json: { reason: 'x', targets: ['node1'] } });
    expect(extra.status).toBe(400);
    expect((extra.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(['targets']);
    const badKey = await api.request('POST', repairPath('node2'), { as: 'operator', json: { reason: 'x' }, headers: { 'idempotency-key': 'has space' } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('keysync repair --wait prints the operation id, the member’s line and a final line with the copies removed; exit 0', async () => {
    const cli = ['--api', api.baseUrl, '--token', api.tokens.operator, 'repair', '--cluster', api.cluster, '--member', 'node2', '--wait'];
    const result = await runCli(cli, {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^started sync:${api.cluster}:\\S+$`, 'm'));
    expect(result.stdout).toMatch(/^ {2}node2 {2}in-sync {2}keys 0 imported {2}attempts 0$/m);
    expect(result.stdout).toContain('Nothing to repair');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/: every member is in-sync; 0 surplus copies removed\.$/);
    for (const secret of [api.tokens.operator, ...Object.values(fixture.pins)]) expect(result.stdout + result.stderr).not.toContain(secret);

    const json = await runCli(['--json', ...cli.filter((arg) => arg !== '--wait')], {});
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'repair', cluster: api.cluster });
  });

  it('/metrics counts repairs by state and has the duplicated-keys gauge', async () => {
    const completed = new RegExp(`^keysync_operations\\{cluster="${api.cluster}",kind="repair",state="completed"\\} ([1-9]\\d*)$`, 'm');
    const text = await waitFor(
      async () => {
        const body = await (await fetch(`${api.baseUrl}/metrics`)).text();
        return completed.test(body) ? body : null;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: 'the completed repair in /metrics' },
    );
    expect(text).toContain('# TYPE keysync_drift_duplicated_keys gauge');
  });
});
