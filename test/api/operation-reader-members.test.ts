// How a sync's status read shows each member while the parent's published view lags behind its
// children: pure logic over Temporal's describe answers (a stand-in gateway records every call), so
// each case is exact. A query needs a worker to replay the workflow; these cases must never ask one.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { OperationReader } from '../../apps/api/operations/operation-reader';
import type { TemporalGateway } from '../../apps/api/temporal/temporal-gateway';
import { packageKeysMemoKey, publishedViewMemoKey } from '../../libs/contract/messages';
import type { MemberStatus, MemberSummary, OperationState } from '../../libs/contract/operations';
import { workflowTypes } from '../../libs/contract/workflow-types';

const SYNC = 'sync:c1:3f1b';
const MEMBER = `${SYNC}:node2`;

function described(workflowId: string, type: string, status: string, view: unknown, memo: Record<string, unknown> = {}): WorkflowExecutionDescription {
  return {
    workflowId,
    type,
    status: { name: status },
    historyLength: 20,
    memo: view === undefined ? memo : { ...memo, [publishedViewMemoKey]: view },
    raw: {},
    typedSearchAttributes: { get: () => undefined },
  } as unknown as WorkflowExecutionDescription;
}

const summary: MemberSummary = { member: 'node2', state: 'importing', keysImported: 0, keysSkipped: 0, attempts: 1, workflowId: MEMBER };
const parentView: OperationState = {
  operationId: SYNC,
  kind: 'sync',
  cluster: 'c1',
  requestedBy: 'op',
  reason: '',
  state: 'running',
  package: null,
  members: [summary],
  notExportable: [],
};

/** A gateway that answers describes from the table (a missing id: not found) and records every call. */
function gateway(descriptions: Record<string, WorkflowExecutionDescription>): { temporal: TemporalGateway; calls: string[] } {
  const calls: string[] = [];
  const temporal = {
    describe: async (id: string) => {
      calls.push(`describe ${id}`);
      const found = descriptions[id];
      if (!found) throw new WorkflowNotFoundError('not found', id, undefined);
      return found;
    },
    query: async (id: string) => {
      calls.push(`query ${id}`);
      throw new Error('a query would wait for a worker');
    },
    result: async (id: string) => {
      calls.push(`result ${id}`);
      throw new Error('no result');
    },
  } as unknown as TemporalGateway;
  return { temporal, calls };
}

describe("a sync's status read", () => {
  it("puts back the package's keys a keySync published apart from its view, in its memo", async () => {
    const keys = [{ class: 'private' as const, id: 'a1', label: 'k1', fingerprint: 'f1' }];
    const view: OperationState = { ...parentView, members: [], package: { digest: 'd1', keyCount: 1 } };
    const { temporal, calls } = gateway({ [SYNC]: described(SYNC, workflowTypes.keySync, 'RUNNING', view, { [packageKeysMemoKey]: keys }) });
    expect((await new OperationReader(temporal).read(SYNC)).package).toEqual({ digest: 'd1', keyCount: 1, keys });
    expect(calls).toEqual([`describe ${SYNC}`]);
  });
});

describe("a sync's status read, member by member", () => {
  it("shows a member whose memberSync the server has not started yet from the parent's view, without a query", async () => {
    const { temporal, calls } = gateway({ [SYNC]: described(SYNC, workflowTypes.keySync, 'RUNNING', parentView) });
    const view = await new OperationReader(temporal).read(SYNC);
    expect(view.members).toEqual([expect.objectContaining({ member: 'node2', state: 'importing', attempts: 1 })]);
    expect(calls).toEqual([`describe ${SYNC}`, `describe ${MEMBER}`]);
  });

  it('shows a member whose memberSync has just completed, while the parent still shows it working, from its last published view, without a query', async () => {
    const final: MemberStatus = { ...summary, state: 'in-sync', keysImported: 6, approvals: { required: 0, granted: [], refused: [] }, conflicts: [] } as MemberStatus;
    const { temporal, calls } = gateway({
      [SYNC]: described(SYNC, workflowTypes.keySync, 'RUNNING', parentView),
      [MEMBER]: described(MEMBER, workflowTypes.memberSync, 'COMPLETED', final),
    });
    const view = await new OperationReader(temporal).read(SYNC);
    expect(view.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 6 })]);
    expect(calls).toEqual([`describe ${SYNC}`, `describe ${MEMBER}`]);
  });

  it('asks the query of a memberSync that ended without a published view (recorded before views were published)', async () => {
    const { temporal, calls } = gateway({
      [SYNC]: described(SYNC, workflowTypes.keySync, 'RUNNING', parentView),
      [MEMBER]: described(MEMBER, workflowTypes.memberSync, 'COMPLETED', undefined),
    });
    const view = await new OperationReader(temporal).read(SYNC);
    expect(calls).toEqual([`describe ${SYNC}`, `describe ${MEMBER}`, `query ${MEMBER}`]);
    // The query found no worker: the parent's view stands.
    expect(view.members).toEqual([expect.objectContaining({ member: 'node2', state: 'importing' })]);
  });

  it('does not take the memo of a terminated memberSync for its final state', async () => {
    const stale: MemberStatus = { ...summary, state: 'importing', approvals: { required: 0, granted: [], refused: [] }, conflicts: [] } as MemberStatus;
    const { temporal, calls } = gateway({
      [SYNC]: described(SYNC, workflowTypes.keySync, 'RUNNING', parentView),
      [MEMBER]: described(MEMBER, workflowTypes.memberSync, 'TERMINATED', stale),
    });
    await new OperationReader(temporal).read(SYNC);
    expect(calls).toContain(`query ${MEMBER}`);
  });
});
