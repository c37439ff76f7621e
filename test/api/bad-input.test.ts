// Bad input never gets a 5xx: each case is a 4xx with a stable code, a message that says what to
// do, and the correlation id the caller sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from './support/api-harness';

describe('bad input', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('an unknown cluster is a 404 that names the known clusters', async () => {
    const answer = await api.request('GET', '/v1/clusters/no-such-cluster', { as: 'operator' });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('cluster-not-found');
    expect(String(answer.body.message)).toContain(api.cluster);
  });

  it('a malformed cluster id is a 400 naming the field', async () => {
    const answer = await api.request('GET', '/v1/clusters/bad%20id', { as: 'operator' });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid-input');
    expect(answer.body.details).toEqual([expect.objectContaining({ field: 'cluster' })]);
  });

  it('an unknown route is a 404 that points at the spec', async () => {
    const answer = await api.request('GET', '/v1/nothing-here', { as: 'operator' });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('route-not-found');
  });

  it('malformed JSON is a 400 malformed-json that carries the caller’s request id', async () => {
    const answer = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, {
      as: 'operator',
      body: '{"source": "node1",',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json-1' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'malformed-json', correlationId: 'bad-json-1' });
    expect(answer.headers.get('x-request-id')).toBe('bad-json-1');
  });

  it('an oversized JSON body is a 413 body-too-large', async () => {
    const answer = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, {
      as: 'operator',
      json: { source: 'node1', reason: 'x'.repeat(200_000) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('body-too-large');
  });

  it('every error body has code, message and correlationId, and the response echoes the id', async () => {
    const answer = await api.request('GET', '/v1/clusters');
    expect(Object.keys(answer.body).sort()).toEqual(['code', 'correlationId', 'message']);
    expect(answer.headers.get('x-request-id')).toBe(answer.body.correlationId);
  });

  it('logs carry the request id and principal, never the bearer token', async () => {
    await api.request('GET', `/v1/clusters/${api.cluster}`, { as: 'operator', headers: { 'x-request-id': 'log-check-1' } });
    const line = api
      .logText()
      .split('\n')
      .find((candidate) => candidate.includes('"log-check-1"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ requestId: 'log-check-1', principal: 'operator', status: 200 });
    for (const token of Object.values(api.tokens)) expect(api.logText()).not.toContain(token);
  });
});
