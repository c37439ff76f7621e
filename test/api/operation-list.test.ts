// GET /v1/clusters/{cluster}/operations, the console's list of operations, on the real API and the
// run's Temporal: what a start request began is listed with its kind, state, start time, requester
// and members; a state filter leaves out what is not in that state; a bad filter is a 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for';
import { type ApiHarness, startApiHarness } from './support/api-harness';

interface Listed {
  operationId: string;
  kind: string;
  state: string;
  startTime: string;
  requestedBy?: string;
  members: string[];
}

describe('the list of a cluster’s operations', () => {
  let api: ApiHarness;
  let operationId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    // No orchestrator polls this harness's queue: the sync stays running.
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', targets: ['node2'], reason: 'listed' } });
    expect(started.status, started.text).toBe(202);
    operationId = started.body.operationId as string;
  });

  afterAll(async () => {
    await api?.close();
  });

  const list = async (query = '') => {
    const answer = await api.request('GET', `/v1/clusters/${api.cluster}/operations${query}`, { as: 'auditor' });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.operations as Listed[];
  };

  it('lists a started sync with its kind, state, age, requester and members', async () => {
    const listed = await waitFor(async () => (await list()).find((operation) => operation.operationId === operationId), { timeoutMs: 30_000, description: 'the sync in the list' });
    expect(listed).toMatchObject({ kind: 'sync', state: 'running', requestedBy: 'operator', members: ['node1', 'node2'] });
    expect(Number.isNaN(Date.parse(listed.startTime))).toBe(false);
  });

  it('filters by state', async () => {
    await waitFor(async () => (await list('?state=running')).some((operation) => operation.operationId === operationId), { timeoutMs: 30_000, description: 'the sync among the running' });
    expect((await list('?state=completed')).map((operation) => operation.operationId)).not.toContain(operationId);
  });

  it('refuses a state that is not one with a 400 naming the field', async () => {
    const answer = await api.request('GET', `/v1/clusters/${api.cluster}/operations?state=sleeping`, { as: 'auditor' });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.details)).toContain('state');
  });
});
