// The bookkeeping of followed workflows, over a stand-in source whose history polls the test
// answers by hand: how a view's age grows, which view wins, which workflow is let go first. That
// the API follows real workflows on the real server is test/api/followed-reads.test.ts.
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { FollowedWorkflows, type FollowSource, type HistoryPage } from '../../apps/api/temporal/followed-workflows';

function described(workflowId: string, status: string, historyLength: number, runId = 'run-1'): WorkflowExecutionDescription {
  return { workflowId, runId, status: { name: status }, historyLength } as unknown as WorkflowExecutionDescription;
}

/** A source whose polls wait until the test answers them, and whose describes answer from `current`. */
function handSource() {
  const polls: { workflowId: string; answer: (page: HistoryPage) => void }[] = [];
  const current = new Map<string, WorkflowExecutionDescription>();
  const source: FollowSource = {
    describe: async (workflowId) => {
      const description = current.get(workflowId);
      if (!description) throw new Error(`no workflow ${workflowId}`);
      return description;
    },
    result: async (workflowId) => ({ resultOf: workflowId }),
    nextEvents: (workflowId) => new Promise<HistoryPage>((answer) => polls.push({ workflowId, answer })),
  };
  return { source, polls, current };
}

/** The followed description (a 'not-started' answer fails the test). */
async function viewOf(followed: FollowedWorkflows, workflowId: string, maxAgeMs: number): Promise<WorkflowExecutionDescription | null> {
  const view = await followed.described(workflowId, maxAgeMs);
  if (view === 'not-started') throw new Error(`${workflowId} reads as not started`);
  return view;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FollowedWorkflows', () => {
  let followed: FollowedWorkflows | undefined;
  afterEach(() => followed?.close());

  it('a followed view is current until its poll brings events; it then ages until described again', async () => {
    let now = 1_000;
    const { source, polls } = handSource();
    followed = new FollowedWorkflows(source, { maxFollowed: 10, idleMs: 60_000 }, () => now);
    followed.offer(described('w', 'RUNNING', 5));
    now += 30_000;
    expect((await viewOf(followed, 'w', 1))?.historyLength).toBe(5);

    // Events arrive; the describe that follows has not answered yet.
    let answerDescribe: (description: WorkflowExecutionDescription) => void = () => undefined;
    source.describe = () => new Promise((resolve) => (answerDescribe = resolve));
    polls.shift()!.answer({ lastEventId: 7, changesView: true, childrenAsked: [], childrenStarted: [], next: new Uint8Array([1]) });
    await settle();
    now += 2_000;
    expect(await viewOf(followed, 'w', 1_000)).toBeNull();
    expect((await viewOf(followed, 'w', 5_000))?.historyLength).toBe(5);

    answerDescribe(described('w', 'RUNNING', 7));
    await settle();
    expect((await viewOf(followed, 'w', 1))?.historyLength).toBe(7);
  });

  it('past its first task, a page that changes no status, memo or search attribute is not described: the view stays current', async () => {
    const { source, polls, current } = handSource();
    const describedIds: string[] = [];
    source.describe = async (workflowId) => {
      describedIds.push(workflowId);
      return current.get(workflowId)!;
    };
    followed = new FollowedWorkflows(source);
    followed.offer(described('w', 'RUNNING', 12));
    current.set('w', described('w', 'RUNNING', 14));
    polls.shift()!.answer({ lastEventId: 14, changesView: false, childrenAsked: [], childrenStarted: [], next: new Uint8Array([1]) });
    await settle();
    expect(describedIds).toEqual([]);
    expect((await viewOf(followed, 'w', 1))?.historyLength).toBe(12);
    current.set('w', described('w', 'RUNNING', 16));
    polls.shift()!.answer({ lastEventId: 16, changesView: true, childrenAsked: [], childrenStarted: [], next: new Uint8Array([2]) });
    await settle();
    expect(describedIds).toEqual(['w']);
    expect((await viewOf(followed, 'w', 1))?.historyLength).toBe(16);
  });

  it('a poll silent for longer than Temporal lets a quiet one wait vouches for nothing: the view ages from then', async () => {
    let now = 1_000;
    const { source } = handSource();
    followed = new FollowedWorkflows(source, { maxFollowed: 10, idleMs: 600_000 }, () => now);
    followed.offer(described('w', 'RUNNING', 5));
    now += 25_000;
    expect(await viewOf(followed, 'w', 1)).not.toBeNull();
    now += 10_000;
    expect(await viewOf(followed, 'w', 1_000)).toBeNull();
    expect(await viewOf(followed, 'w', 10_000)).not.toBeNull();
  });

  it('the end of a run is described once, its result kept, and the view then ages from that moment', async () => {
    let now = 1_000;
    const { source, polls, current } = handSource();
    followed = new FollowedWorkflows(source, { maxFollowed: 10, idleMs: 60_000 }, () => now);
    followed.offer(described('w', 'RUNNING', 5));
    current.set('w', described('w', 'COMPLETED', 9));
    polls.shift()!.answer({ lastEventId: 9, changesView: true, childrenAsked: [], childrenStarted: [], next: null });
    await settle();
    await settle();
    expect((await viewOf(followed, 'w', 1))?.status.name).toBe('COMPLETED');
    expect(followed.resultOf('w', 'run-1', 1)).toEqual({ value: { resultOf: 'w' } });
    expect(followed.resultOf('w', 'another-run', 1)).toBeNull();
    now += 3_000;
    expect(await viewOf(followed, 'w', 2_000)).toBeNull();
    expect(polls).toHaveLength(0);
  });

  it('a describe that is behind the followed view does not replace it; another run starts over', async () => {
    const { source } = handSource();
    followed = new FollowedWorkflows(source);
    followed.offer(described('w', 'RUNNING', 9));
    followed.offer(described('w', 'RUNNING', 4));
    expect((await viewOf(followed, 'w', 1_000))?.historyLength).toBe(9);
    followed.offer(described('w', 'RUNNING', 2, 'run-2'));
    expect((await viewOf(followed, 'w', 1_000))?.runId).toBe('run-2');
  });

  it('a child the followed parent asked for reads as not started until it starts, then is followed from its start without a describe', async () => {
    const { source, polls, current } = handSource();
    const describedIds: string[] = [];
    const describe = source.describe;
    source.describe = (workflowId) => {
      describedIds.push(workflowId);
      return describe(workflowId);
    };
    followed = new FollowedWorkflows(source);
    followed.offer(described('parent', 'RUNNING', 5));
    const asked = { workflowType: 'memberSync', workflowId: 'child', taskQueue: 'q', memo: { cluster: 'c1' }, searchAttributes: new TypedSearchAttributes() };
    polls.shift()!.answer({ lastEventId: 6, changesView: true, childrenAsked: [asked], childrenStarted: [], next: new Uint8Array([1]) });
    current.set('parent', described('parent', 'RUNNING', 6));
    await settle();
    // Asked for, not started: as Temporal would say, there is no such workflow yet.
    expect(await followed.described('child', 1_000)).toBe('not-started');
    polls.shift()!.answer({ lastEventId: 7, changesView: true, childrenAsked: [], childrenStarted: [{ workflowId: 'child', runId: 'child-run' }], next: new Uint8Array([2]) });
    current.set('parent', described('parent', 'RUNNING', 7));
    await settle();
    const child = await viewOf(followed, 'child', 1);
    expect(child).toMatchObject({ workflowId: 'child', runId: 'child-run', type: 'memberSync', historyLength: 2, memo: { cluster: 'c1' }, status: { name: 'RUNNING' } });
    expect(describedIds).not.toContain('child');
    expect(polls.map((poll) => poll.workflowId).sort()).toEqual(['child', 'parent']);
  });

  it('past its limit, the workflow read least recently is let go first', async () => {
    const { source } = handSource();
    followed = new FollowedWorkflows(source, { maxFollowed: 2, idleMs: 60_000 });
    followed.offer(described('a', 'RUNNING', 3));
    followed.offer(described('b', 'RUNNING', 3));
    await viewOf(followed, 'a', 1_000);
    followed.offer(described('c', 'RUNNING', 3));
    expect(followed.size).toBe(2);
    expect(await viewOf(followed, 'a', 1_000)).not.toBeNull();
    expect(await viewOf(followed, 'b', 1_000)).toBeNull();
    expect(await viewOf(followed, 'c', 1_000)).not.toBeNull();
  });
});
