// Starting operations against the real Temporal server: idempotency without a second store, the
// operation view from the API's own memo while no worker answers, history, cancel and audit; the
// Server-Timing of an answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for';
import { type ApiHarness, startApiHarness } from './support/api-harness';

describe('starting operations', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api?.close();
  });

  const syncs = () => `/v1/clusters/${api.cluster}/syncs`;
  /** The parts of a Server-Timing header: each one's duration, and the Temporal part's call count. */
  const timingParts = (header: string | null): Record<string, { ms: number; calls: number } | undefined> => {
    const parts: Record<string, { ms: number; calls: number }> = {};
    for (const match of (header ?? '').matchAll(/(\w+);dur=([\d.]+)(?:;desc="(\d+) calls?")?/g)) parts[match[1]!] = { ms: Number(match[2]), calls: Number(match[3] ?? 0) };
    return parts;
  };

  it('a sync answers 202 with the operation id, kind sync and a Location that reads it', async () => {
    const answer = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'location check' } });
    expect(answer.status).toBe(202);
    expect(answer.body.kind).toBe('sync');
    expect(String(answer.body.operationId)).toMatch(new RegExp(`^sync:${api.cluster}:[0-9a-f-]{36}$`));
    const location = answer.headers.get('location');
    expect(location).toBe(`/v1/operations/${encodeURIComponent(answer.body.operationId as string)}`);
    const read = await api.request('GET', location as string, { as: 'auditor' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ operationId: answer.body.operationId, kind: 'sync', cluster: api.cluster, requestedBy: 'operator', state: 'running', package: null });
    expect((read.body.members as { member: string }[]).map((member) => member.member).sort()).toEqual(['node2', 'node3']);
    // No worker here: the API says so from its own memo rather than waiting on a query nobody answers.
    expect(read.body.message).toMatch(/^No orchestrator worker has picked this operation up yet/);
    expect(timingParts(read.headers.get('server-timing')).temporal?.calls).toBe(1);
  });

  it('answers carry Server-Timing: the API\'s time, and within it the time a Temporal call was in flight', async () => {
    const timing = timingParts;
    // A start with a JSON body (timed after the body parser), and a read of it.
    const started = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'timing check' } });
    const read = await api.request('GET', started.headers.get('location') as string, { as: 'auditor' });
    for (const answer of [started, read]) {
      const { temporal, api: own } = timing(answer.headers.get('server-timing'));
      expect(temporal?.calls).toBeGreaterThan(0);
      expect(own).toBeDefined();
      expect(temporal!.ms).toBeLessThanOrEqual(own!.ms);
    }
    // An answer without a Temporal call says so by leaving the part out.
    const refused = await api.request('GET', '/v1/operations/not-an-id', { as: 'auditor' });
    const refusedTiming = timing(refused.headers.get('server-timing'));
    expect(Object.keys(refusedTiming)).toEqual(['api']);
    expect(refusedTiming.api?.calls).toBe(0);
  });

  it('a repair answers 202 with kind repair; with no worker, the memo shows a repair of that one member', async () => {
    const answer = await api.request('POST', `/v1/clusters/${api.cluster}/members/node2/repair`, { as: 'operator', json: { reason: 'memo check' } });
    expect(answer.status).toBe(202);
    expect(answer.body.kind).toBe('repair');
    const read = await api.request('GET', answer.headers.get('location') as string, { as: 'auditor' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ operationId: answer.body.operationId, kind: 'repair', cluster: api.cluster, requestedBy: 'operator', state: 'running', package: null });
    expect((read.body.members as { member: string }[]).map((member) => member.member)).toEqual(['node2']);
  });

  it('the same Idempotency-Key and body give the same operation; another body with that key is a 409', async () => {
    const body = { source: 'node1', targets: ['node2'], reason: 'idempotency' };
    const headers = { 'idempotency-key': 'retry-me-1' };
    const first = await api.request('POST', syncs(), { as: 'operator', json: body, headers });
    const again = await api.request('POST', syncs(), { as: 'operator', json: body, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.operationId).toBe(first.body.operationId);
    const other = await api.request('POST', syncs(), { as: 'operator', json: { ...body, reason: 'something else' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency-conflict');
  });

  it('two identical requests with one Idempotency-Key at the same moment start one operation', async () => {
    const send = () =>
      api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'race' }, headers: { 'idempotency-key': 'race-1' } });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.operationId).toBe(b.body.operationId);
  });

  it('syncs without an Idempotency-Key are separate operations', async () => {
    const body = { source: 'node1', reason: 'no key' };
    const first = await api.request('POST', syncs(), { as: 'operator', json: body });
    const second = await api.request('POST', syncs(), { as: 'operator', json: body });
    expect(first.body.operationId).not.toBe(second.body.operationId);
  });

  it('a sync from or to a member the cluster does not have is a 404 member-not-found naming it, and starts nothing', async () => {
    const answer = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node9', reason: 'bad source' }, headers: { 'idempotency-key': 'bad-source' } });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('member-not-found');
    expect(String(answer.body.message)).toContain('node9');
    const target = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', targets: ['node8'], reason: 'bad target' }, headers: { 'idempotency-key': 'bad-source' } });
    expect(target.status).toBe(404);
    expect(String(target.body.message)).toContain('node8');
    // The same key with a good body now starts: the refused request left no workflow behind.
    const good = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'good' }, headers: { 'idempotency-key': 'bad-source' } });
    expect(good.status).toBe(202);
  });

  it('unknown fields and wrong types are 400s that name each field', async () => {
    const answer = await api.request('POST', syncs(), { as: 'operator', json: { source: 7, reason: 'types', extra: true, targets: 'node2' } });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid-input');
    const fields = (answer.body.details as { field: string }[]).map((detail) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['source', 'extra', 'targets']));
  });

  it('a join of the same member with the same body finds the same operation; another sponsor is a 409', async () => {
    const members = `/v1/clusters/${api.cluster}/members`;
    const first = await api.request('POST', members, { as: 'admin', json: { member: 'node3', sponsor: 'node1' } });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ operationId: `join:${api.cluster}:node3`, kind: 'join' });
    const again = await api.request('POST', members, { as: 'admin', json: { member: 'node3', sponsor: 'node1' } });
    expect(again.body.operationId).toBe(first.body.operationId);
    const other = await api.request('POST', members, { as: 'admin', json: { member: 'node3', sponsor: 'node2' } });
    expect(other.status).toBe(409);
    const unknown = await api.request('POST', members, { as: 'admin', json: { member: 'node7', sponsor: 'node1' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('member-not-found');
  });

  it('the history of a sync holds its start with the request, and no bearer token', async () => {
    const started = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'history check' } });
    const operationId = started.body.operationId as string;
    const answer = await api.request('GET', `/v1/operations/${operationId}/history`, { as: 'auditor' });
    expect(answer.status).toBe(200);
    const histories = answer.body.histories as { workflowId: string; history: { events: { eventType: string }[] } }[];
    expect(histories[0]?.workflowId).toBe(operationId);
    expect(histories[0]?.history.events[0]?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    for (const token of Object.values(api.tokens)) expect(answer.text).not.toContain(token);
  });

  it('cancel of a running operation is 202; an operation id of the wrong shape is a 400', async () => {
    const started = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', reason: 'cancel check' } });
    const answer = await api.request('POST', `/v1/operations/${started.body.operationId as string}/cancel`, { as: 'operator' });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ operationId: started.body.operationId, state: 'cancelling' });
    const malformed = await api.request('POST', '/v1/operations/not-an-operation/cancel', { as: 'operator' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid-operation-id');
  });

  it('a member’s audit trail lists the operations that touch it, from Temporal visibility', async () => {
    const started = await api.request('POST', syncs(), { as: 'operator', json: { source: 'node1', targets: ['node2'], reason: 'audit check' } });
    const trail = await waitFor(
      async () => {
        const answer = await api.request('GET', `/v1/clusters/${api.cluster}/members/node2/audit`, { as: 'auditor' });
        const entries = answer.body.entries as { workflowId: string; kind: string }[];
        return entries.some((entry) => entry.workflowId === started.body.operationId) ? entries : null;
      },
      { description: 'the sync to appear in node2’s audit trail' },
    );
    expect(trail.find((entry) => entry.workflowId === started.body.operationId)).toMatchObject({ kind: 'sync', workflowType: 'keySync' });
    const other = await api.request('GET', `/v1/clusters/${api.cluster}/members/node3/audit`, { as: 'auditor' });
    expect((other.body.entries as { workflowId: string }[]).some((entry) => entry.workflowId === started.body.operationId)).toBe(false);
  });
});
