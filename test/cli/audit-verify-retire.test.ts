// `keysync audit verify`'s offline approval checks on a retire's real history (recorded by
// test/workflows/retire.test.ts on the dev server; test/workflows/replay.test.ts replays it): its
// two approvals check as signed by registered approvers over the retire's own id, member * and
// subject retire:<class>:<id>:<fingerprint>. The same history with one signature altered, or with
// an approver's registered key replaced, fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyHistories } from '../../apps/cli/audit-verify';
import type { TrustedApprovers } from '../../apps/cli/audit-verify';
import { historiesDir, readHistoryIndex } from '../workflows/support/histories';

interface Payload {
  metadata: Record<string, string>;
  data: string;
}
interface RetireHistory {
  events: Array<{
    workflowExecutionStartedEventAttributes?: { input: { payloads: Payload[] } };
    workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string; args: { payloads: Payload[] } } } };
  }>;
}

const decode = (payload: Payload): Record<string, unknown> => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, unknown>;
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

const workflowId = readHistoryIndex().retire!;
const recorded = (): RetireHistory => JSON.parse(readFileSync(join(historiesDir, 'retire.json'), 'utf8')) as RetireHistory;
const input = decode(recorded().events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!) as {
  cluster: { approvers: { id: string; publicKey: string }[] };
  key: { class: string; id: string; fingerprint: string };
};
/** The approver keys as the cluster's configuration registers them (those the retire's input carried). */
const trusted: TrustedApprovers = { source: 'the recorded cluster', keys: new Map(input.cluster.approvers.map((approver) => [approver.id, approver.publicKey])) };
/** Replay is replay.test.ts's: the worker runtime it needs is already installed in this process. */
const noReplay = async (histories: unknown[]) => histories.map(() => null);

describe('audit verify of a retire', () => {
  it('finds both approvals valid for member * over retire:<class>:<id>:<fingerprint>', async () => {
    const report = await verifyHistories([{ workflowId, history: recorded() }], trusted, noReplay);
    expect(report.histories[0]!.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.histories[0]).toMatchObject({
      workflowType: 'retire',
      subject: `retire:${input.key.class}:${input.key.id}:${input.key.fingerprint}`,
      approvals: [
        { approverId: 'approver-1', member: '*', decision: 'approve', via: 'update', verdict: 'valid' },
        { approverId: 'approver-2', member: '*', decision: 'approve', via: 'update', verdict: 'valid' },
      ],
    });
  });

  it('fails an altered signature, and a registered key other than the one that signed', async () => {
    const altered = recorded();
    const update = altered.events.find((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name === 'approve')!;
    const payload = update.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest.input.args.payloads[0]!;
    const approval = decode(payload) as { signature: string };
    const bytes = Buffer.from(approval.signature, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    payload.data = encode({ ...approval, signature: bytes.toString('base64') });
    const tampered = await verifyHistories([{ workflowId, history: altered }], trusted, noReplay);
    expect(tampered.ok).toBe(false);
    expect(tampered.histories[0]!.approvals[0]).toMatchObject({ approverId: 'approver-1', verdict: 'invalid' });
    expect(tampered.histories[0]!.problems.join('\n')).toMatch(/does not verify .* over keysync-approval\/1\|retire:[^|]+\|\*\|retire:/);

    const otherKeys: TrustedApprovers = { source: 'another configuration', keys: new Map([...trusted.keys].map(([id]) => [id, Buffer.alloc(32, 7).toString('base64')])) };
    const wrongKeys = await verifyHistories([{ workflowId, history: recorded() }], otherKeys, noReplay);
    expect(wrongKeys.ok).toBe(false);
    expect(wrongKeys.histories[0]!.problems.join('\n')).toContain('carries a key for approver-1 other than the registered one');
  });
});
