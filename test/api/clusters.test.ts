// What the API shows of the configuration: clusters, members, approvers' public keys and
// policies; never a PIN source, a module path or a token hash. And the spec it serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from './support/api-harness';

describe('clusters and the served spec', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      configure: (config) => {
        const cluster = config.clusters[0];
        if (!cluster) return;
        cluster.approvers = [{ id: 'approver-1', publicKey: Buffer.alloc(32, 9).toString('base64') }];
        cluster.policy.members = { node2: { approvals: 0, timeoutSeconds: 60 } };
      },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('lists the clusters with their founder and members', async () => {
    const answer = await api.request('GET', '/v1/clusters', { as: 'auditor' });
    expect(answer.body).toEqual({ clusters: [{ id: api.cluster, founder: 'node1', members: ['node1', 'node2', 'node3'] }] });
  });

  it('shows a cluster’s members, approvers’ public keys and policies, and nothing secret', async () => {
    const answer = await api.request('GET', `/v1/clusters/${api.cluster}`, { as: 'auditor' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: api.cluster,
      members: [{ id: 'node1', tokenLabel: `${api.cluster}-node1`, taskQueue: `keysync.${api.cluster}.node1` }, expect.anything(), expect.anything()],
      approvers: [{ id: 'approver-1', publicKey: Buffer.alloc(32, 9).toString('base64') }],
      policy: { sync: { approvals: 1 }, join: { approvals: 2 }, memberOverrides: [{ member: 'node2', approvals: 0, timeoutSeconds: 60 }] },
    });
    for (const principal of api.config.principals) expect(answer.text).not.toContain(principal.tokenSha256);
    expect(answer.text).not.toMatch(/PIN_NODE|pin|libsofthsm2/i);
  });

  it('serves the OpenAPI document and Swagger UI without a token', async () => {
    const spec = await api.request('GET', '/v1/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toEqual(expect.stringMatching(/^3\./));
    expect(Object.keys(spec.body.paths as object)).toContain('/v1/clusters/{cluster}/syncs');
    const ui = await fetch(`${api.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
