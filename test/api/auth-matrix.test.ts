// Every endpoint, three ways: no token (401), a principal without the role (403), and a principal
// with it (neither 401 nor 403: the answer the endpoint gives for that request).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, type PrincipalName, startApiHarness } from './support/api-harness';

interface RouteCase {
  method: 'GET' | 'POST';
  path: (h: ApiHarness) => string;
  /** null: any authenticated principal may call it, so there is no wrong role. */
  wrongRole: PrincipalName | null;
  rightRole: PrincipalName;
  json?: unknown;
  /** The status the right role gets for this request (unknown ids give 404, starts 202...). */
  expected: number;
}

const unknownOperation = (h: ApiHarness) => `sync:${h.cluster}:no-such-sync`;
const zeroDigest = '0'.repeat(64);
const signature = `${'A'.repeat(86)}==`;

export const routeCases: RouteCase[] = [
  { method: 'GET', path: () => '/v1/me', wrongRole: null, rightRole: 'auditor', expected: 200 },
  { method: 'GET', path: () => '/v1/clusters', wrongRole: null, rightRole: 'auditor', expected: 200 },
  { method: 'GET', path: (h) => `/v1/clusters/${h.cluster}`, wrongRole: null, rightRole: 'approver-1', expected: 200 },
  { method: 'POST', path: (h) => `/v1/clusters/${h.cluster}/syncs`, wrongRole: 'auditor', rightRole: 'operator', json: { source: 'node1', reason: 'matrix' }, expected: 202 },
  { method: 'POST', path: (h) => `/v1/clusters/${h.cluster}/members/node2/repair`, wrongRole: 'approver-1', rightRole: 'operator', json: { reason: 'matrix' }, expected: 202 },
  // A retire asks the members' agents first (none run here): an empty reason gets the endpoint's 400 before that.
  { method: 'POST', path: (h) => `/v1/clusters/${h.cluster}/keys/c0de01/retire`, wrongRole: 'approver-1', rightRole: 'operator', json: { reason: '' }, expected: 400 },
  { method: 'POST', path: (h) => `/v1/clusters/${h.cluster}/members`, wrongRole: 'operator', rightRole: 'admin', json: { member: 'node3', sponsor: 'node1' }, expected: 202 },
  { method: 'GET', path: (h) => `/v1/clusters/${h.cluster}/operations`, wrongRole: null, rightRole: 'auditor', expected: 200 },
  { method: 'GET', path: (h) => `/v1/operations/${unknownOperation(h)}`, wrongRole: null, rightRole: 'auditor', expected: 404 },
  { method: 'GET', path: (h) => `/v1/operations/${unknownOperation(h)}/approvals/node2/challenge`, wrongRole: 'operator', rightRole: 'approver-1', expected: 404 },
  {
    method: 'POST',
    path: (h) => `/v1/operations/${unknownOperation(h)}/approvals`,
    wrongRole: 'operator',
    rightRole: 'approver-2',
    json: { member: 'node2', decision: 'approve', signature },
    expected: 404,
  },
  { method: 'POST', path: (h) => `/v1/operations/${unknownOperation(h)}/cancel`, wrongRole: 'approver-1', rightRole: 'operator', expected: 404 },
  { method: 'GET', path: (h) => `/v1/operations/${unknownOperation(h)}/history`, wrongRole: 'operator', rightRole: 'auditor', expected: 404 },
  { method: 'GET', path: (h) => `/v1/clusters/${h.cluster}/members/node2/audit`, wrongRole: 'operator', rightRole: 'auditor', expected: 200 },
  { method: 'GET', path: () => `/v1/packages/${zeroDigest}`, wrongRole: 'auditor', rightRole: 'operator', expected: 404 },
  { method: 'POST', path: (h) => `/v1/clusters/${h.cluster}/members/node2/packages?digest=${zeroDigest}`, wrongRole: 'admin', rightRole: 'operator', expected: 415 },
];

describe('auth matrix', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('GET /v1/health needs no token', async () => {
    const answer = await api.request('GET', '/v1/health');
    expect(answer.status).toBe(200);
    // This harness's cluster has no node agents polling: each member is down, so the stack is degraded.
    expect(answer.body).toMatchObject({ status: 'degraded', temporal: { reachable: true } });
    expect(answer.body.members).toEqual(api.members.map((member) => ({ cluster: api.cluster, member, agent: 'down' })));
  });

  // The availability gate (added by the drift work) waits on an orchestrator, so here only its gate is checked.
  it('GET .../keys/{keyId}/availability answers 401 without a token and 403 to sync=true without the operator role', async () => {
    const path = `/v1/clusters/${api.cluster}/keys/0a0b/availability`;
    expect((await api.request('GET', path)).status).toBe(401);
    const answer = await api.request('GET', `${path}?sync=true`, { as: 'auditor' });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('forbidden');
  });

  describe.each(routeCases.map((route) => [`${route.method} ${route.path({ cluster: '{cluster}' } as ApiHarness)}`, route] as const))('%s', (_name, route) => {
    it('answers 401 with no token', async () => {
      const answer = await api.request(route.method, route.path(api), { json: route.json });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('unauthenticated');
    });

    it('answers 401 with a token that maps to no principal', async () => {
      const answer = await api.request(route.method, route.path(api), { token: 'not-a-known-token', json: route.json });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('unauthenticated');
    });

    it.runIf(route.wrongRole !== null)('answers 403 to a principal without the role', async () => {
      const answer = await api.request(route.method, route.path(api), { as: route.wrongRole as PrincipalName, json: route.json });
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden');
      expect(String(answer.body.message)).toContain('needs the role');
    });

    it(`lets the right role through (${route.rightRole})`, async () => {
      const answer = await api.request(route.method, route.path(api), { as: route.rightRole, json: route.json });
      expect(answer.status).toBe(route.expected);
    });
  });
});
