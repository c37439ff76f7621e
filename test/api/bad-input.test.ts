// Bad input never gets a 5xx: each case is a 4xx with a stable code, a message that says what to
// do, and the correlation id the caller sent.
import { request } from 'node:http';
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

  it('a known path with a method it does not take is a 405 with Allow, whatever the token; OPTIONS a 204 with Allow', async () => {
    // fetch refuses to send TRACE, so it goes out through node:http.
    const trace = await new Promise<{ status: number; allow: string | undefined; body: Record<string, unknown> }>((resolve, reject) => {
      const sent = request(`${api.baseUrl}/v1/health`, { method: 'TRACE', headers: { 'x-request-id': 'trace-1' } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, allow: response.headers.allow, body: JSON.parse(text) as Record<string, unknown> }));
      });
      sent.on('error', reject);
      sent.end();
    });
    expect(trace.status).toBe(405);
    expect(trace.allow).toBe('GET, HEAD, OPTIONS');
    expect(trace.body).toMatchObject({ code: 'method-not-allowed', correlationId: 'trace-1' });
    expect(String(trace.body.message)).toContain('GET');
    const del = await api.request('DELETE', `/v1/clusters/${api.cluster}/syncs`);
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('POST, OPTIONS');
    const options = await api.request('OPTIONS', `/v1/operations/sync:${api.cluster}:x/approvals`);
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await api.request('DELETE', '/v1/nothing-here')).status).toBe(404);
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

  it.each([
    ['a text/plain body', { body: 'source=node1', headers: { 'content-type': 'text/plain' } }],
    ['a JSON array', { body: '[1,2,3]', headers: { 'content-type': 'application/json' } }],
    ['JSON null', { body: 'null', headers: { 'content-type': 'application/json' } }],
    ['no body at all', {}],
  ])('%s where an object is expected is a 4xx naming what is missing', async (_name, options) => {
    const answer = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', ...options });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(typeof answer.body.code).toBe('string');
    expect(String(answer.body.message).length).toBeGreaterThan(20);
  });

  it('a broken percent-encoding in the path is a 400, not a 500', async () => {
    const answer = await api.request('GET', '/v1/clusters/%E0%A4%A', { as: 'operator' });
    expect(answer.status).toBe(400);
    expect(answer.body.correlationId).toEqual(expect.any(String));
  });

  it('an unknown operation is a 404 operation-not-found, a malformed operation id a 400', async () => {
    const unknown = await api.request('GET', `/v1/operations/sync:${api.cluster}:never-started`, { as: 'auditor' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('operation-not-found');
    const malformed = await api.request('GET', '/v1/operations/DROP%20TABLE', { as: 'auditor' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid-operation-id');
  });

  it('an approval with a signature that is not 64 bytes of base64 is a 400 naming signature', async () => {
    const answer = await api.request('POST', `/v1/operations/sync:${api.cluster}:x/approvals`, {
      as: 'approver-1',
      json: { member: 'node2', decision: 'maybe', signature: 'short' },
    });
    expect(answer.status).toBe(400);
    const fields = (answer.body.details as { field: string }[]).map((detail) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['decision', 'signature']));
  });

  it('an unknown package digest is a 404; a malformed one a 400', async () => {
    expect((await api.request('GET', `/v1/packages/${'ab'.repeat(32)}`, { as: 'operator' })).body.code).toBe('package-not-found');
    expect((await api.request('GET', '/v1/packages/..%2F..%2Fetc%2Fpasswd', { as: 'operator' })).status).toBe(400);
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
