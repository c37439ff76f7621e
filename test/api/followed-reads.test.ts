// Status reads that accept a view some moments old (Cache-Control: max-age), against the real
// Temporal server: the API answers them from the workflow it follows (from the moment it started
// it), without a Temporal call, and what changes in the workflow reaches that view by itself, while
// a read without the header asks Temporal every time. No worker runs these operations: the changes
// are made from outside.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { type ApiAnswer, type ApiHarness, startApiHarness } from './support/api-harness';

/** How many Temporal calls the answer's Server-Timing says the API made for it. */
function temporalCalls(answer: ApiAnswer): number {
  const match = /temporal;dur=[\d.]+;desc="(\d+) calls?"/.exec(answer.headers.get('server-timing') ?? '');
  return match ? Number(match[1]) : 0;
}

describe('status reads from followed workflows', () => {
  let api: ApiHarness;
  let temporal: Client;
  beforeAll(async () => {
    api = await startApiHarness({ orchestratorTaskQueue: uniqueTaskQueue('followed-reads') });
    temporal = await connectTestClient();
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
  });

  const startSync = async (reason: string): Promise<string> => {
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', reason } });
    expect(started.status).toBe(202);
    return started.body.operationId as string;
  };
  const read = (operationId: string, cacheControl?: string) =>
    api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}`, { as: 'auditor', ...(cacheControl ? { headers: { 'cache-control': cacheControl } } : {}) });

  it('right after the API\'s start, a read that accepts a view five seconds old needs no Temporal call and says what Temporal says; one without the header always asks', async () => {
    const operationId = await startSync('followed read');
    const followed = await read(operationId, 'max-age=5');
    expect(followed.status).toBe(200);
    expect(temporalCalls(followed)).toBe(0);
    for (const cacheControl of [undefined, 'no-cache', 'max-age=0']) {
      const strict = await read(operationId, cacheControl);
      expect(strict.status).toBe(200);
      expect(temporalCalls(strict)).toBeGreaterThan(0);
      expect(strict.body).toEqual(followed.body);
    }
  });

  it('a change made outside the API reaches the followed view by itself: a read accepting a minute-old view shows it within moments', async () => {
    const operationId = await startSync('followed change');
    const before = await read(operationId, 'max-age=60');
    expect(before.body.state).toBe('running');
    expect(temporalCalls(before)).toBe(0);
    await temporal.workflow.getHandle(operationId).terminate('ended from outside the API');
    // A view a minute old would still say running: only the follower can have brought the end.
    const ended = await waitFor(
      async () => {
        const answer = await read(operationId, 'max-age=60');
        return answer.body.state !== 'running' ? answer : null;
      },
      { timeoutMs: 5_000, description: 'the followed view to show the terminated workflow' },
    );
    // (The read of an ended run still asks its state query, which no worker answers here; the describe was not needed.)
    expect(ended.body.state).toBe('failed');
  });

  it('after the API\'s own cancel, the next read asks Temporal even when it accepts an older view', async () => {
    const operationId = await startSync('followed cancel');
    await read(operationId, 'max-age=60');
    expect(temporalCalls(await read(operationId, 'max-age=60'))).toBe(0);
    const cancelled = await api.request('POST', `/v1/operations/${encodeURIComponent(operationId)}/cancel`, { as: 'operator' });
    expect(cancelled.status).toBe(202);
    expect(temporalCalls(await read(operationId, 'max-age=60'))).toBeGreaterThan(0);
  });
});
