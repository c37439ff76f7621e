// Notifications (DESIGN 14) on a real Temporal with real SoftHSM tokens and real HTTP receivers in
// this process: a sync whose node2 needs one approval tells the webhooks `awaiting-approval` for
// node2, then `operation-ended` with node2 in-sync. The first receiver is down (503) until the sync
// has completed, so the sync cannot have waited for it; once back it gets each event exactly once,
// signed with HMAC-SHA256 over `<timestamp>.<body>`. A second receiver refuses (404) and is asked
// once per event, never again. No body or notify history holds a PIN, a token, the webhook's
// secret or URL, or a wrapped key's bytes. A join and a retire tell the same two events (the
// retire for member `*`), with no console link when api.publicUrl is not set. Without a webhook
// in the configuration, a sync starts no notify at all.
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../libs/digest';
import { approveUpdate, memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { NotificationBody, NotifyResult } from '../../libs/contract/notifications';
import type { KeySyncResult } from '../../libs/contract/operation-inputs';
import type { JoinState } from '../../libs/contract/operations';
import type { RetireState } from '../../libs/contract/retire';
import { joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { JoinWorkflow, KeySyncWorkflow, MemberSyncWorkflow, NotifyWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { startWebhookReceiver } from '../support/webhook-receiver';
import type { ReceivedRequest, WebhookReceiver } from '../support/webhook-receiver';
import { signApproval } from './support/approvers';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from './support/histories';
import { retireApproval, startRetire } from './support/retire-helpers';

const publicUrl = 'https://keysync.example.test:8443';

/** The receiver's own check, written from the README's description (not KeySync's code). */
function signatureVerifies(request: ReceivedRequest, secret: string, timestamp = String(request.headers['x-keysync-timestamp'])): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`;
  return request.headers['x-keysync-signature'] === expected;
}

const eventOf = (request: ReceivedRequest): NotificationBody => JSON.parse(request.body) as NotificationBody;

describe('notifications of a sync that waits for approval', () => {
  let fixture: ClusterFixture;
  let down: WebhookReceiver;
  let refusing: WebhookReceiver;
  let parent: WorkflowHandle<KeySyncWorkflow>;
  let result: KeySyncResult;
  let deliveredWhileSyncRan: number;
  let notifyResults: NotifyResult[];
  let notifyHistories: string[];
  const secret = `whsec-${randomBytes(24).toString('hex')}`;
  const apiToken = `token-${randomBytes(24).toString('hex')}`;

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['node1', 'node2'],
      withSecrets: ['node1', 'node2'],
      memberPolicies: { node2: { approvals: 1, timeoutSeconds: 300 } },
    });
    down = await startWebhookReceiver('/hooks/keysync', 503);
    refusing = await startWebhookReceiver('/hooks/gone', 404);
    const secretFile = join(fixture.dir, 'webhook-secret');
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    fixture.config.notifications = [{ webhook: { url: down.url, secretFile } }, { webhook: { url: refusing.url } }];
    fixture.config.api.publicUrl = publicUrl;
    fixture.config.principals = [{ id: 'operator-1', roles: ['operator'], tokenSha256: sha256Hex(apiToken) }];
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'notified-key', id: 'e1' }));
    await fixture.startWorkers();

    parent = await fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'notified'),
      args: [{ cluster: fixture.snapshot(), source: 'node1', requestedBy: 'operator-1', reason: 'notification test' }],
    });
    const memberSync = fixture.client.workflow.getHandle<MemberSyncWorkflow>(memberSyncWorkflowId(parent.workflowId, 'node2'));
    await waitFor(async () => (await memberSync.query(memberStateQuery)).state === 'awaiting-approval', { description: 'node2 awaiting approval' });
    await waitFor(() => down.requests.some((request) => eventOf(request).event === 'awaiting-approval'), { description: 'a first (refused) attempt at awaiting-approval' });
    const digest = (await parent.query(operationStateQuery)).package?.digest ?? '';
    await memberSync.executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[0]!, { workflowId: memberSync.workflowId, member: 'node2', subject: digest })] });
    result = await parent.result();
    await waitFor(() => down.requests.some((request) => eventOf(request).event === 'operation-ended'), { description: 'a first (refused) attempt at operation-ended' });
    deliveredWhileSyncRan = down.delivered().length;

    // The receiver is back: the retries deliver what it missed.
    down.answer(200);
    const query = `WorkflowType = '${workflowTypes.notify}' AND TaskQueue = '${fixture.orchestratorQueue}'`;
    const notifyIds = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const execution of fixture.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids.length === 2 ? ids : null;
      },
      { description: 'the two notify workflows to be visible' },
    );
    notifyResults = await Promise.all(notifyIds.map((id) => fixture.client.workflow.getHandle<NotifyWorkflow>(id).result()));
    notifyHistories = await Promise.all(notifyIds.map((id) => fetchHistoryJson(fixture.client, id)));
    // For replay (replay.test.ts): a memberSync and a keySync that started notify children, and a notify (delivered after retries, and refused).
    recordHistory('member-sync-notified', memberSync.workflowId, await fetchHistoryJson(fixture.client, memberSync.workflowId));
    recordHistory('key-sync-notified', parent.workflowId, await fetchHistoryJson(fixture.client, parent.workflowId));
    const endedNotify = notifyIds.findIndex((id) => id.endsWith(':operation-ended'));
    recordHistory('notify-delivered-and-refused', notifyIds[endedNotify] ?? '', notifyHistories[endedNotify] ?? '');
  }, 240_000);

  afterAll(async () => {
    await fixture?.close();
    await down?.close();
    await refusing?.close();
  });

  it('completed the sync while the receiver was down: nothing had been delivered when it ended', () => {
    expect(result.state).toBe('completed');
    expect(result.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync' })]);
    expect(deliveredWhileSyncRan).toBe(0);
    expect(down.requests.filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(2);
  });

  it('delivers awaiting-approval for node2, then operation-ended in-sync, each exactly once, once the receiver is back', () => {
    const delivered = down.delivered().map(eventOf);
    expect(delivered.map((event) => event.event).sort()).toEqual(['awaiting-approval', 'operation-ended']);
    expect(new Set(down.requests.map((request) => eventOf(request).eventId)).size).toBe(2);
    const awaiting = delivered.find((event) => event.event === 'awaiting-approval');
    expect(awaiting).toMatchObject({
      operationId: parent.workflowId,
      kind: 'sync',
      cluster: fixture.clusterId,
      state: 'running',
      requestedBy: 'operator-1',
      members: [{ member: 'node2', state: 'awaiting-approval' }],
      approval: { member: 'node2', required: 1 },
      consoleUrl: `${publicUrl}/#/operations/${parent.workflowId}`,
    });
    expect(Number.isNaN(Date.parse(awaiting?.time ?? ''))).toBe(false);
    const ended = delivered.find((event) => event.event === 'operation-ended');
    expect(ended).toMatchObject({
      operationId: parent.workflowId,
      kind: 'sync',
      cluster: fixture.clusterId,
      state: 'completed',
      members: [{ member: 'node2', state: 'in-sync' }],
      consoleUrl: `${publicUrl}/#/operations/${parent.workflowId}`,
    });
    for (const request of down.delivered()) {
      expect(request.headers['x-keysync-event']).toBe(eventOf(request).event);
      expect(request.headers['x-keysync-delivery']).toBe(eventOf(request).eventId);
      expect(request.headers['content-type']).toBe('application/json');
    }
  });

  it('signs each body with HMAC-SHA256 over timestamp and body: it verifies with the secret, not with another or another timestamp', () => {
    expect(down.requests.length).toBeGreaterThan(2);
    for (const request of down.requests) {
      expect(request.headers['x-keysync-timestamp']).toMatch(/^\d{10}$/);
      expect(signatureVerifies(request, secret)).toBe(true);
      expect(signatureVerifies(request, `whsec-${randomBytes(24).toString('hex')}`)).toBe(false);
      expect(signatureVerifies(request, secret, String(Number(request.headers['x-keysync-timestamp']) - 600))).toBe(false);
    }
  });

  it('asks a refusing receiver (404) once per event, unsigned when it has no secret, and reports it refused', () => {
    expect(refusing.requests.map((request) => eventOf(request).event).sort()).toEqual(['awaiting-approval', 'operation-ended']);
    for (const request of refusing.requests) expect(request.headers['x-keysync-signature']).toBeUndefined();
    for (const notified of notifyResults) {
      expect(notified.webhooks.map((webhook) => webhook.outcome)).toEqual(['delivered', 'refused']);
      expect(notified.webhooks.map((webhook) => webhook.webhook.origin)).toEqual([new URL(down.url).origin, new URL(refusing.url).origin]);
    }
  });

  it('puts no PIN, API token, webhook secret or URL, nor any package bytes in a body or a notify history', () => {
    const packageBytes = readdirSync(fixture.packagesDir)
      .filter((name) => !name.startsWith('.'))
      .flatMap((name) => {
        const bytes = readFileSync(join(fixture.packagesDir, name));
        return [bytes.toString('base64').slice(0, 40), bytes.toString('hex').slice(0, 40), bytes.subarray(64, 96).toString('base64')];
      });
    expect(packageBytes.length).toBeGreaterThan(0);
    const secrets = [...secretsToLookFor(fixture.pins, fixture.packagesDir), ...packageBytes, apiToken, sha256Hex(apiToken), secret];
    // Wrapped keys of the package, the PINs, the token, the secret: all looked for.
    expect(secrets.length).toBeGreaterThanOrEqual(Object.keys(fixture.pins).length + 5);
    const bodies = [...down.requests, ...refusing.requests].map((request) => request.body).join('\n');
    expect(secrets.filter((value) => value.length >= 8 && bodies.includes(value))).toEqual([]);
    for (const history of notifyHistories) {
      expect(secretsIn(history, secrets)).toBe(0);
      expect(history).not.toContain(down.url);
      expect(history).not.toContain(refusing.url);
    }
  });
});

describe('notifications of a join and a retire, rejected, without a console address', () => {
  let fixture: ClusterFixture;
  let receiver: WebhookReceiver;
  const eventsOf = (operationId: string) => receiver.delivered().map(eventOf).filter((event) => event.operationId === operationId);

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2', 'node3'], withSecrets: ['node1', 'node2'] });
    receiver = await startWebhookReceiver();
    fixture.config.notifications = [{ webhook: { url: receiver.url } }];
    await fixture.startWorkers();
  }, 120_000);

  afterAll(async () => {
    await fixture?.close();
    await receiver?.close();
  });

  it('tells a join awaiting approval for its new member, then its end as failed, rejected', async () => {
    const join = await fixture.client.workflow.start<JoinWorkflow>(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: joinWorkflowId(fixture.clusterId, 'node3'),
      args: [{ cluster: fixture.snapshot(), member: 'node3', sponsor: 'node1', requestedBy: 'admin', reason: 'notified join' }],
    });
    const waiting = await waitFor(
      async () => {
        const state = (await join.query(operationStateQuery)) as JoinState;
        return state.members[0]?.state === 'awaiting-approval' && state.transportFingerprint ? state : null;
      },
      { description: 'the join awaiting approval' },
    );
    await waitFor(() => eventsOf(join.workflowId).length === 1, { description: 'the join\'s awaiting-approval event' });
    await join.executeUpdate(approveUpdate, {
      args: [signApproval(fixture.approvers[0]!, { workflowId: join.workflowId, member: 'node3', subject: waiting.transportFingerprint! }, 'reject')],
    });
    expect(await join.result()).toMatchObject({ state: 'failed' });
    await waitFor(() => eventsOf(join.workflowId).length === 2, { description: 'the join\'s operation-ended event' });
    const [awaiting, ended] = eventsOf(join.workflowId);
    expect(awaiting).toMatchObject({ event: 'awaiting-approval', kind: 'join', state: 'running', members: [{ member: 'node3', state: 'awaiting-approval' }], approval: { member: 'node3', required: 2 } });
    expect(ended).toMatchObject({ event: 'operation-ended', kind: 'join', state: 'failed', members: [{ member: 'node3', state: 'failed', reason: 'rejected' }] });
    for (const event of [awaiting, ended]) expect(event).not.toHaveProperty('consoleUrl');
  });

  it('tells a retire awaiting approval for every member at once (*), then its end as failed, rejected', async () => {
    // Rejected before anything is exported or destroyed: the key need only be on node1.
    const group = await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'notified-retire', id: 'ab01' }));
    const key = { class: 'private' as const, id: 'ab01', label: 'notified-retire', fingerprint: group.fingerprint };
    const retire = await startRetire(fixture, key, { holders: ['node1'] });
    await waitFor(async () => ((await retire.query(operationStateQuery)) as RetireState).approvals.deadline !== undefined, { description: 'the retire awaiting approvals' });
    await waitFor(() => eventsOf(retire.workflowId).length === 1, { description: 'the retire\'s awaiting-approval event' });
    await retire.executeUpdate(approveUpdate, { args: [retireApproval(fixture, 0, retire.workflowId, key, 'reject')] });
    expect(await retire.result()).toMatchObject({ state: 'failed' });
    await waitFor(() => eventsOf(retire.workflowId).length === 2, { description: 'the retire\'s operation-ended event' });
    const [awaiting, ended] = eventsOf(retire.workflowId);
    const members = ['node1', 'node2', 'node3'];
    expect(awaiting).toMatchObject({ event: 'awaiting-approval', kind: 'retire', state: 'running', approval: { member: '*', required: 2 } });
    expect(awaiting?.members).toEqual(members.map((member) => ({ member, state: 'awaiting-approval' })));
    expect(ended).toMatchObject({ event: 'operation-ended', kind: 'retire', state: 'failed' });
    expect(ended?.members).toEqual(members.map((member) => ({ member, state: 'failed', reason: 'rejected' })));
  });
});

describe('an operation of an orchestrator with no webhook in its configuration', () => {
  let fixture: ClusterFixture;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'] });
    delete fixture.config.notifications;
    await fixture.startWorkers();
  }, 120_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('ends without starting a notify: it asked for the webhooks (recorded) and found none', async () => {
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'unnotified-key', id: 'e2' }));
    const sync = await fixture.client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, 'unnotified'),
      args: [{ cluster: fixture.snapshot(), source: 'node1', requestedBy: 'operator-1', reason: 'no webhook' }],
    });
    expect(await sync.result()).toMatchObject({ state: 'completed' });
    const events = (JSON.parse(await fetchHistoryJson(fixture.client, sync.workflowId)) as { events: Array<Record<string, { workflowType?: { name?: string }; markerName?: string }>> }).events;
    const childTypes = events.map((event) => event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name).filter(Boolean);
    expect(childTypes).toContain(workflowTypes.memberSync);
    expect(childTypes).not.toContain(workflowTypes.notify);
    // The answer the decision came from is in the history (a local activity's marker), so a replay decides the same.
    expect(events.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(true);
  });
});
