// `keysync audit verify` on a keySync started with a cluster id (the Temporal UI's small input):
// the approver keys it applied are its resolveCluster activity's result, and they are checked
// against the registered ones as a snapshot in the input would be.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyHistories } from '../../apps/cli/audit-verify';
import type { Replayer, TrustedApprovers } from '../../apps/cli/audit-verify';

const publicKeyOf = (): string => generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');

const payload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

const aliceKey = publicKeyOf();
const trusted: TrustedApprovers = { source: 'test', keys: new Map([['alice', aliceKey]]) };
const replays: Replayer = async (histories) => histories.map(() => null);
const workflowId = 'sync:c1:ui-1';

function keySyncByIdHistory(resolvedApprovers: Array<{ id: string; publicKey: string }>): unknown {
  return {
    events: [
      {
        eventId: '1',
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: 'keySync' },
          workflowId,
          input: { payloads: [payload({ cluster: 'c1', source: 'node1', targets: ['node2'], requestedBy: 'operator', reason: 'CA renewal' })] },
        },
      },
      { eventId: '5', activityTaskScheduledEventAttributes: { activityType: { name: 'resolveCluster' } } },
      { eventId: '7', activityTaskCompletedEventAttributes: { scheduledEventId: '5', result: { payloads: [payload({ id: 'c1', members: ['node1', 'node2'], approvers: resolvedApprovers })] } } },
    ],
  };
}

describe('audit verify of a keySync started with a cluster id', () => {
  it('passes when the resolved snapshot carries the registered approver keys', async () => {
    const report = await verifyHistories([{ workflowId, history: keySyncByIdHistory([{ id: 'alice', publicKey: aliceKey }]) }], trusted, replays);
    expect(report.histories[0]!.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('fails when the resolved snapshot carries another key for a registered approver', async () => {
    const report = await verifyHistories([{ workflowId, history: keySyncByIdHistory([{ id: 'alice', publicKey: publicKeyOf() }]) }], trusted, replays);
    expect(report.ok).toBe(false);
    expect(report.histories[0]!.problems.join('\n')).toContain('carries a key for alice other than the registered one');
  });
});
