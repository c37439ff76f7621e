// A workflow's live view (what its state query answers) published in its memo whenever it changes,
// so a status read is one describe, answered by the Temporal server alone. A query needs a worker:
// on a busy orchestrator it waits behind workflow tasks (100 syncs at once made reads take
// hundreds of ms). The view is compared after every activation's jobs and continuations, and a
// change is published in the same workflow task, so a describe shows the state a query would answer.
import { CancellationScope, condition, patched, upsertMemo } from '@temporalio/workflow';
import { publishedViewMemoKey } from '../libs/contract/messages';

/** The patch under which keySync and memberSync publish their view (histories recorded before replay without). */
export const publishedViewPatch = 'published-view';

/** A larger view is published as null (readers fall back to the query): the memo is copied into every such event. */
const maxPublishedBytes = 64 * 1024;

export interface PublishedView {
  /**
   * Publishes the view one last time if it changed, and stops: called as the workflow ends (its
   * `finally`), before it returns, so no memo change ever follows the workflow's last command.
   */
  last(): void;
}

/** Publishes `view()` now and after every activation that changed it, until last(). Call it before the first await. */
export function publishView(view: () => unknown): PublishedView {
  if (!patched(publishedViewPatch)) return { last: () => undefined };
  let published: string | null = null;
  let over = false;
  const publish = (current: string): void => {
    published = current;
    upsertMemo({ [publishedViewMemoKey]: current.length <= maxPublishedBytes ? (JSON.parse(current) as unknown) : null });
  };
  // Not cancellable: a cancelled operation's state is published too.
  void CancellationScope.nonCancellable(async () => {
    for (;;) {
      let current = '';
      await condition(() => {
        if (over) return false;
        current = JSON.stringify(view());
        return current !== published;
      });
      publish(current);
    }
  });
  return {
    last: () => {
      if (over) return;
      over = true;
      const current = JSON.stringify(view());
      if (current !== published) publish(current);
    },
  };
}
