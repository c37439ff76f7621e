// One delivery attempt to a real HTTP receiver in this process (libs/notifications): what each
// answer means for the notify workflow's retries, the headers, and the body with or without the
// console link (api.publicUrl).
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../../libs/contract/notifications';
import { notificationBody, postWebhook } from '../../libs/notifications';
import { startWebhookReceiver } from '../support/webhook-receiver';
import type { WebhookReceiver } from '../support/webhook-receiver';

const event: OperationEvent = {
  event: 'operation-ended',
  eventId: 'notify:sync:demo:s1:run-1:operation-ended',
  time: '2026-11-29T12:00:00.000Z',
  operationId: 'sync:demo:s1',
  kind: 'sync',
  cluster: 'demo',
  state: 'failed',
  requestedBy: 'operator',
  members: [{ member: 'node2', state: 'failed', reason: 'rejected' }],
};

describe('a webhook delivery attempt', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver('/hooks/attempts');
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const attempt = () => postWebhook({ url: receiver.url, body: notificationBody(event, undefined), event: event.event, eventId: event.eventId });

  it('is delivered on a 2xx, with the event, delivery id and timestamp headers, unsigned without a secret', async () => {
    receiver.answer(204);
    expect(await attempt()).toEqual({ outcome: 'delivered', status: 204 });
    const request = receiver.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers).toMatchObject({ 'x-keysync-event': 'operation-ended', 'x-keysync-delivery': event.eventId, 'content-type': 'application/json' });
    expect(request.headers['x-keysync-timestamp']).toMatch(/^\d+$/);
    expect(request.headers['x-keysync-signature']).toBeUndefined();
  });

  it.each([500, 502, 503, 408, 429])('is retried on %i', async (status) => {
    receiver.answer(status);
    expect(await attempt()).toEqual({ outcome: 'retry', message: `the webhook at ${new URL(receiver.url).origin} answered ${status}` });
  });

  it.each([400, 401, 403, 404, 410, 422])('is refused, not retried, on %i', async (status) => {
    receiver.answer(status);
    const answer = await attempt();
    expect(answer).toMatchObject({ outcome: 'refused', status });
    expect(answer.outcome === 'refused' && answer.message).toContain(`answered ${status}: fix the receiver`);
  });

  it('does not follow a redirect: a 3xx is refused', async () => {
    receiver.answer(301);
    const before = receiver.requests.length;
    const answer = await attempt();
    expect(answer).toMatchObject({ outcome: 'refused', status: 301 });
    expect(answer.outcome === 'refused' && answer.message).toContain('not followed');
    expect(receiver.requests.length).toBe(before + 1);
  });

  it('is retried when nothing listens, naming the origin and never the path', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const answer = await postWebhook({ url: `http://127.0.0.1:${port}/secret-path-token`, body: '{}', event: 'operation-ended', eventId: 'x' });
    expect(answer).toEqual({ outcome: 'retry', message: `could not reach the webhook at http://127.0.0.1:${port} (ECONNREFUSED)` });
  });

  it('links the console only when api.publicUrl is set', () => {
    expect(JSON.parse(notificationBody(event, undefined))).not.toHaveProperty('consoleUrl');
    expect(JSON.parse(notificationBody(event, 'https://keysync.example.com:8443'))).toEqual({ ...event, consoleUrl: 'https://keysync.example.com:8443/#/operations/sync:demo:s1' });
  });
});
