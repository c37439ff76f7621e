// Replay of committed histories (recorded from real runs by the integration tests of this folder:
// KEYSYNC_RECORD_HISTORIES=1 npx vitest run test/workflows/key-sync.test.ts test/workflows/cross-implementation.test.ts
// test/workflows/approval-flow.test.ts test/workflows/join.test.ts test/drift/key-differs.test.ts
// test/workflows/notifications.test.ts test/api/security-key-approvals.test.ts
// test/drift/availability-and-metrics.test.ts). Today's workflow code must
// replay every one of them; a deliberately changed workflow must not. Re-record only on purpose,
// when a change is meant to be incompatible (and then version it for running workflows).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { historiesDir, historyIndexPath, readHistoryIndex, readableHistory } from './support/histories';

const workflowIds = readHistoryIndex();
const recorded = readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json') && join(historiesDir, file) !== historyIndexPath)
  .sort()
  .map((file) => {
    const name = file.replace(/\.json$/, '');
    return { name, workflowId: workflowIds[name] ?? '', json: readFileSync(join(historiesDir, file), 'utf8') };
  });

const workflowTypeOf = (json: string): string =>
  (JSON.parse(json) as { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] }).events[0]
    ?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';

describe('replay of recorded histories', () => {
  let current: WorkflowBundleWithSourceMap;
  let changed: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    current = await bundleWorkflowCode({ workflowsPath: join(__dirname, '..', '..', 'workflows', 'index.ts') });
    changed = await bundleWorkflowCode({ workflowsPath: join(__dirname, 'fixtures', 'changed-workflows.ts') });
  });

  it('has recorded histories of keySync, memberSync, join, retire, memberRetire, driftWatch, keyAvailability, notify and approverCredentials, each with its workflow id', () => {
    expect(recorded.filter((history) => history.workflowId === '').map((history) => history.name)).toEqual([]);
    expect(new Set(recorded.map((history) => workflowTypeOf(history.json)))).toEqual(
      new Set(['keySync', 'memberSync', 'join', 'retire', 'memberRetire', 'driftWatch', 'keyAvailability', 'notify', 'approverCredentials']),
    );
  });

  it('replays every recorded history with the current workflows', async () => {
    const results = Worker.runReplayHistories(
      { workflowBundle: current },
      recorded.map((history) => ({ workflowId: history.workflowId, history: historyFromJSON(JSON.parse(history.json)) })),
    );
    const failures: string[] = [];
    // Replay results name the workflow id; map them back to the file for a readable failure.
    const nameOf = new Map(recorded.map((history) => [history.workflowId, history.name]));
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${nameOf.get(result.workflowId) ?? result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(recorded.length);
  });

  it('fails to replay a memberSync history with a deliberately changed memberSync', async () => {
    const memberSyncHistories = recorded.filter((history) => workflowTypeOf(history.json) === 'memberSync');
    expect(memberSyncHistories.length).toBeGreaterThan(0);
    for (const history of memberSyncHistories) {
      await expect(
        Worker.runReplayHistory({ workflowBundle: changed }, historyFromJSON(JSON.parse(history.json)), history.workflowId),
      ).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  });

  it('holds no PIN field and no wrapped key in any committed history', () => {
    for (const history of recorded) {
      const text = readableHistory(history.json);
      expect(text, history.name).not.toMatch(/"(wrappedKey|pin|userPin|soPin|blobBase64)"\s*:/i);
      expect(text, history.name).not.toMatch(/-----BEGIN/);
    }
  });
});
